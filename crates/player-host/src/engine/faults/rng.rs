//! The faults' randomness: a counter-based generator (SplitMix64's mixing function), so
//! that a draw depends only on the seed, the stream and what it is drawn for (a sample
//! index, a channel), never on the order of pushes, a seek or a crate's version.

/// What a draw is for (so that two purposes never share a draw).
#[derive(Debug, Clone, Copy)]
pub(crate) enum Purpose {
    Drop = 1,
    Duplicate = 2,
    Jitter = 3,
    Stall = 4,
    Noise = 5,
}

/// SplitMix64's finalizer: a bijection of `u64` that spreads every input bit.
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The draws of one stream: a pure function of (seed, stream, purpose, a, b).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Draws {
    key: u64,
}

impl Draws {
    /// The draws of stream number `stream` (its index in the run) under `seed`.
    pub(crate) fn new(seed: u64, stream: u64) -> Self {
        Draws {
            key: mix(mix(seed) ^ stream.wrapping_mul(0xD1B5_4A32_D192_ED03)),
        }
    }

    fn bits(&self, purpose: Purpose, a: u64, b: u64) -> u64 {
        mix(self.key ^ mix((purpose as u64) ^ mix(a ^ mix(b))))
    }

    /// A uniform number in [0, 1).
    pub(crate) fn uniform(&self, purpose: Purpose, a: u64, b: u64) -> f64 {
        (self.bits(purpose, a, b) >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// A standard normal number (Box-Muller).
    pub(crate) fn normal(&self, purpose: Purpose, a: u64, b: u64) -> f64 {
        let u1 = self.uniform(purpose, a, b.wrapping_mul(2));
        let u2 = self.uniform(purpose, a, b.wrapping_mul(2).wrapping_add(1));
        (-2.0 * (1.0 - u1).ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }

    /// An exponential number of mean `mean`.
    pub(crate) fn exponential(&self, purpose: Purpose, a: u64, mean: f64) -> f64 {
        -mean * (1.0 - self.uniform(purpose, a, 0)).ln()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_are_a_function_of_their_inputs_and_look_random() {
        let d = Draws::new(3, 0);
        assert_eq!(
            d.uniform(Purpose::Drop, 7, 0),
            Draws::new(3, 0).uniform(Purpose::Drop, 7, 0)
        );
        assert_ne!(
            d.uniform(Purpose::Drop, 7, 0),
            Draws::new(4, 0).uniform(Purpose::Drop, 7, 0)
        );
        assert_ne!(
            d.uniform(Purpose::Drop, 7, 0),
            Draws::new(3, 1).uniform(Purpose::Drop, 7, 0)
        );
        assert_ne!(
            d.uniform(Purpose::Drop, 7, 0),
            d.uniform(Purpose::Duplicate, 7, 0)
        );
        let n = 200_000;
        let u: Vec<f64> = (0..n).map(|k| d.uniform(Purpose::Drop, k, 0)).collect();
        let mean = u.iter().sum::<f64>() / n as f64;
        assert!((mean - 0.5).abs() < 0.005, "{mean}");
        assert!(u.iter().all(|x| (0.0..1.0).contains(x)));
        let below = u.iter().filter(|&&x| x < 0.01).count() as f64 / n as f64;
        assert!((below - 0.01).abs() < 0.002, "{below}");
        let z: Vec<f64> = (0..n).map(|k| d.normal(Purpose::Noise, k, 3)).collect();
        let m = z.iter().sum::<f64>() / n as f64;
        let var = z.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / n as f64;
        assert!(m.abs() < 0.01 && (var - 1.0).abs() < 0.02, "{m} {var}");
        let e = (0..n)
            .map(|k| d.exponential(Purpose::Stall, k, 10.0))
            .sum::<f64>()
            / n as f64;
        assert!((e - 10.0).abs() < 0.1, "{e}");
    }
}
