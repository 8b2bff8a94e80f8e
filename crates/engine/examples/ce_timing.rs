use std::time::Instant;
fn main() {
    let (m, k) = (4000usize, 512usize);
    let mut rng = geosparse_moduli::seed::rng(0, "x");
    use rand::Rng;
    let z0: Vec<f32> = (0..m * k).map(|_| (rng.random::<f32>() - 0.5) * 1e-3).collect();
    let y: Vec<f32> = vec![1.0 / k as f32; m * k];
    for _ in 0..3 {
        let mut z = z0.clone();
        let t = Instant::now();
        let l = geosparse_engine::loss::soft_cross_entropy(&mut z, &y, k, true);
        println!("soft ce {:?} {l}", t.elapsed());
    }
    let ids: Vec<u32> = (0..700).map(|i| i * 13 % 10000).collect();
    let z1: Vec<f32> = (0..700 * 10000).map(|_| rng.random::<f32>() - 0.5).collect();
    for _ in 0..3 {
        let mut z = z1.clone();
        let t = Instant::now();
        let l = geosparse_engine::loss::cross_entropy(&mut z, &ids, 10000, true);
        println!("ce {:?} {}", t.elapsed(), l.loss);
    }
}
