//! Figures, drawn with plotters and a bundled font (DejaVu Sans), so no system font library
//! is needed.
//!
//! ```no_run
//! geosparse_experiments::plot::ensure_font();
//! ```

pub mod regularizer;
pub mod run;

use std::sync::Once;

static FONT: Once = Once::new();
static DEJAVU: &[u8] = include_bytes!("../../../../assets/fonts/DejaVuSans.ttf");

/// Registers the bundled font as "sans-serif" (once per process).
pub fn ensure_font() {
    FONT.call_once(|| {
        use plotters::style::FontStyle;
        for style in [FontStyle::Normal, FontStyle::Bold, FontStyle::Italic, FontStyle::Oblique] {
            plotters::style::register_font("sans-serif", style, DEJAVU)
                .unwrap_or_else(|_| panic!("bundled font is valid"));
        }
    });
}

/// Turns any plotters error into an anyhow error with the figure's name.
pub(crate) fn err<E: std::fmt::Debug>(what: &str) -> impl FnOnce(E) -> anyhow::Error + '_ {
    move |e| anyhow::anyhow!("drawing {what}: {e:?}")
}

/// (min, max) of finite values, widened when flat.
pub(crate) fn range(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (lo, hi) = values.filter(|v| v.is_finite()).fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| (a.min(v), b.max(v)));
    if !lo.is_finite() {
        return (0.0, 1.0);
    }
    if hi - lo < 1e-12 { (lo - 0.5, hi + 0.5) } else { (lo, hi) }
}

/// Renders a figure of `w`×`h` pixels into PNG bytes.
pub fn png(w: u32, h: u32, draw: impl FnOnce(&plotters::prelude::DrawingArea<plotters::prelude::BitMapBackend<'_>, plotters::coord::Shift>) -> anyhow::Result<()>) -> anyhow::Result<Vec<u8>> {
    use plotters::prelude::*;
    ensure_font();
    let mut rgb = vec![0u8; (w * h * 3) as usize];
    {
        let root = BitMapBackend::with_buffer(&mut rgb, (w, h)).into_drawing_area();
        root.fill(&WHITE).map_err(err("background"))?;
        draw(&root)?;
        root.present().map_err(err("figure"))?;
    }
    regularizer::encode_png(&rgb, w, h)
}
