//! Seeded random streams.
//!
//! Every random draw in geosparse comes from a ChaCha8 generator made by [`rng`] from the run
//! seed and a named stream, so two parts of a run never share (or disturb) one another's draws
//! and any step's randomness can be recreated on resume.
//!
//! ```
//! use rand::Rng;
//! let a: f64 = geosparse_moduli::seed::rng(7, "embedding").random();
//! let b: f64 = geosparse_moduli::seed::rng(7, "embedding").random();
//! let c: f64 = geosparse_moduli::seed::rng(7, "permute").random();
//! assert_eq!(a, b);
//! assert_ne!(a, c);
//! ```

use rand::SeedableRng;
pub use rand_chacha::ChaCha8Rng as GeoRng;

/// FNV-1a: a stable 64-bit hash of a stream name (the same on every machine and Rust version).
pub fn stream_id(name: &str) -> u64 {
    let mut h: u64 = 0xcbf29ce484222325;
    for b in name.bytes() {
        h ^= b as u64;
        h = h.wrapping_mul(0x100000001b3);
    }
    h
}

/// The generator for `(seed, stream)`.
pub fn rng(seed: u64, stream: &str) -> GeoRng {
    let mut r = GeoRng::seed_from_u64(seed);
    r.set_stream(stream_id(stream));
    r
}

/// The generator for `(seed, stream, index)`, e.g. one per training step.
pub fn rng_at(seed: u64, stream: &str, index: u64) -> GeoRng {
    let mut r = GeoRng::seed_from_u64(seed ^ index.wrapping_mul(0x9E3779B97F4A7C15));
    r.set_stream(stream_id(stream));
    r
}
