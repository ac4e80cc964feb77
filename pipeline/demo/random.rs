//! The random draws the generator needs, each block on its own seeded stream.
//!
//! Only uniform `f64`s come from `rand`; the few distributions the Python generator uses
//! (exponential, gamma, normal, weighted choice) are written out here, so the output
//! depends on nothing but this file and the ChaCha8 stream.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// What a stream is for; part of its seed, so that two kinds never share a stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Cases = 1,
    Collective = 2,
    Carers = 3,
    Volunteers = 4,
    Budget = 5,
}

/// SplitMix64's finaliser: spreads nearby inputs (block 0, 1, 2 …) over the whole seed space.
fn mix(z: u64) -> u64 {
    let mut z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A deterministic random stream with the draws the generator uses.
pub(super) struct Draw {
    rng: ChaCha8Rng,
    /// Box–Muller yields normals in pairs; the second waits here.
    spare_normal: Option<f64>,
}

impl Draw {
    /// The stream of one block: a function of the seed, the kind and the block index only,
    /// so blocks can run on any thread in any order and still give the same bytes.
    pub(super) fn stream(seed: u64, kind: Kind, index: u64) -> Self {
        let key = mix(mix(mix(seed) ^ kind as u64) ^ index);
        Self {
            rng: ChaCha8Rng::seed_from_u64(key),
            spare_normal: None,
        }
    }

    /// Uniform in [0, 1).
    #[inline]
    pub(super) fn unit(&mut self) -> f64 {
        self.rng.random::<f64>()
    }

    /// True with probability `p`.
    #[inline]
    pub(super) fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// Uniform index below `n` (n > 0).
    #[inline]
    pub(super) fn below(&mut self, n: usize) -> usize {
        ((self.unit() * n as f64) as usize).min(n - 1)
    }

    /// Uniform in [lo, hi).
    pub(super) fn uniform(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.unit()
    }

    /// Exponential with the given mean (Python's `expovariate(1 / mean)`).
    pub(super) fn exponential(&mut self, mean: f64) -> f64 {
        // 1 - u lies in (0, 1], so the logarithm is finite.
        -(1.0 - self.unit()).ln() * mean
    }

    /// Standard normal (Box–Muller).
    pub(super) fn normal(&mut self) -> f64 {
        if let Some(z) = self.spare_normal.take() {
            return z;
        }
        let radius = (-2.0 * (1.0 - self.unit()).ln()).sqrt();
        let angle = std::f64::consts::TAU * self.unit();
        self.spare_normal = Some(radius * angle.sin());
        radius * angle.cos()
    }

    /// Normal with mean `mu` and standard deviation `sigma`.
    pub(super) fn gauss(&mut self, mu: f64, sigma: f64) -> f64 {
        mu + sigma * self.normal()
    }

    /// Gamma with shape `alpha` and scale `beta` (mean alpha·beta), Marsaglia–Tsang.
    pub(super) fn gamma(&mut self, alpha: f64, beta: f64) -> f64 {
        if alpha < 1.0 {
            // Boost the shape above 1 and scale back down (Marsaglia–Tsang need alpha ≥ 1).
            let u = 1.0 - self.unit();
            return self.gamma(alpha + 1.0, beta) * u.powf(1.0 / alpha);
        }
        let d = alpha - 1.0 / 3.0;
        let c = 1.0 / (9.0 * d).sqrt();
        loop {
            let x = self.normal();
            let v = 1.0 + c * x;
            if v <= 0.0 {
                continue;
            }
            let v = v * v * v;
            let u = 1.0 - self.unit();
            if u < 1.0 - 0.0331 * x.powi(4) || u.ln() < 0.5 * x * x + d * (1.0 - v + v.ln()) {
                return d * v * beta;
            }
        }
    }
}

/// A weighted choice among fixed values: one uniform draw and a binary search over the
/// cumulative weights (like Python's `bisect` over `accumulate`).
pub(super) struct Choice<T> {
    values: Vec<T>,
    cumulative: Vec<f64>,
    total: f64,
}

impl<T: Copy> Choice<T> {
    pub(super) fn new(pairs: impl IntoIterator<Item = (T, f64)>) -> Self {
        let mut values = Vec::new();
        let mut cumulative = Vec::new();
        let mut total = 0.0;
        for (value, weight) in pairs {
            total += weight;
            values.push(value);
            cumulative.push(total);
        }
        assert!(total > 0.0, "a choice needs a positive total weight");
        Self {
            values,
            cumulative,
            total,
        }
    }

    #[inline]
    pub(super) fn pick(&self, draw: &mut Draw) -> T {
        let x = draw.unit() * self.total;
        let i = self.cumulative.partition_point(|&c| c <= x);
        self.values[i.min(self.values.len() - 1)]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distributions_have_their_means() {
        let mut d = Draw::stream(1, Kind::Cases, 0);
        let n = 200_000;
        let mean = |f: &mut dyn FnMut() -> f64| (0..n).map(|_| f()).sum::<f64>() / n as f64;
        let g = mean(&mut || d.gamma(2.0, 45.0));
        assert!((g - 90.0).abs() < 1.5, "gamma(2, 45) mean {g}");
        let g = mean(&mut || d.gamma(1.5, 80.0));
        assert!((g - 120.0).abs() < 2.0, "gamma(1.5, 80) mean {g}");
        let e = mean(&mut || d.exponential(7.0));
        assert!((e - 7.0).abs() < 0.15, "exponential mean {e}");
        let z = mean(&mut || d.gauss(10.0, 2.0));
        assert!((z - 10.0).abs() < 0.05, "normal mean {z}");
    }

    #[test]
    fn streams_differ_by_kind_and_block() {
        let a = Draw::stream(7, Kind::Cases, 0).unit();
        assert_ne!(a, Draw::stream(7, Kind::Cases, 1).unit());
        assert_ne!(a, Draw::stream(7, Kind::Carers, 0).unit());
        assert_eq!(a, Draw::stream(7, Kind::Cases, 0).unit());
    }
}
