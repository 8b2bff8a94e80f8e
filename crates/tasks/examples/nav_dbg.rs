use geosparse_engine::layers::rnn::State;
use geosparse_engine::loss;
use geosparse_tasks::navigation::model::{NavBatch, NavModel};
use std::time::Instant;
fn main() {
    let mut rng = geosparse_moduli::seed::rng(0, "bench");
    let mut m = NavModel::new(512, 512, &mut rng);
    let batch = NavBatch::uniform_targets(20, 200, 512);
    for _ in 0..3 {
        let t = Instant::now();
        let h0 = m.encoder.forward(&batch.c0, batch.b);
        let t_enc = t.elapsed();
        let cache = m.rnn.forward(&batch.v, batch.t, batch.b, &State { h: h0, c: None }, true, &mut rng);
        let t_rnn = t.elapsed();
        let mut logits = m.decoder.forward(cache.output(), 4000);
        let sub = logits.iter().filter(|v| v.is_subnormal()).count();
        let hsub = cache.output().iter().filter(|v| v.is_subnormal()).count();
        let zero = cache.output().iter().filter(|v| **v == 0.0).count();
        let mx = logits.iter().fold(0f32, |a, b| a.max(b.abs()));
        println!("subnormal logits {sub}, subnormal h {hsub} zero h {zero} of {} max {mx}", cache.output().len());
        let t_dec = t.elapsed();
        {
            let mut c = logits.clone();
            let t = Instant::now();
            loss::soft_cross_entropy(&mut c, &batch.targets, 512, true);
            println!("clone ce {:?}", t.elapsed());
            use rand::Rng;
            let mut r: Vec<f32> = (0..logits.len()).map(|_| (rng.random::<f32>() - 0.5) * 1e-3).collect();
            let t = Instant::now();
            loss::soft_cross_entropy(&mut r, &batch.targets, 512, true);
            println!("random ce {:?}", t.elapsed());
            let mut r: Vec<f32> = logits.iter().map(|v| v + 1e-3).collect();
            let t = Instant::now();
            loss::soft_cross_entropy(&mut r, &batch.targets, 512, true);
            println!("shifted ce {:?}", t.elapsed());
        }
        let l = loss::soft_cross_entropy(&mut logits, &batch.targets, 512, true);
        let t_ce = t.elapsed();
        let dh = m.decoder.backward(cache.output(), &logits, 4000, true).unwrap();
        let t_decb = t.elapsed();
        let (_, ds0) = m.rnn.backward(&cache, &dh, None, false);
        let t_rnnb = t.elapsed();
        m.encoder.backward(&batch.c0, &ds0.h, batch.b, false);
        let t_encb = t.elapsed();
        println!("{l:.4} enc {:?} rnn {:?} dec {:?} ce {:?} decb {:?} rnnb {:?} encb {:?}", t_enc, t_rnn - t_enc, t_dec - t_rnn, t_ce - t_dec, t_decb - t_ce, t_rnnb - t_decb, t_encb - t_rnnb);
    }
}
