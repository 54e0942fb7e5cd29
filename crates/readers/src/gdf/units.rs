//! Physical dimensions of GDF channels, to SI units.
//!
//! GDF 2.x codes a unit as a number (ISO/IEEE 11073-10101, the table in the GDF
//! specification): a base code, a multiple of 32, plus a decimal prefix in the low 5 bits
//! (0: none, 1..10: da, h, k, M, G, T, P, E, Z, Y; 16..25: d, c, m, µ, n, p, f, a, z, y).
//! GDF 1.x writes the unit as text (`uV`, `mV`, ...).

use crate::units::voltage_scale;

/// Base codes this reader knows: (code, SI symbol, whether a prefix scales to the symbol).
const BASES: [(u16, &str, bool); 20] = [
    (512, "", false), // dimensionless
    (544, "%", false),
    (736, "deg", false),
    (768, "rad", true),
    (1280, "m", true),
    (1728, "g", true),
    (2176, "s", true),
    (2496, "Hz", true),
    (2720, "bpm", false),
    (3776, "N", true),
    (3840, "Pa", true),
    (3872, "mmHg", false),
    (4032, "W", true),
    (4160, "A", true),
    (4256, "V", true),
    (4288, "Ohm", true),
    (4352, "F", true),
    (4384, "K", true),
    (6048, "degC", false),
    (65504, "T", true),
];

/// The factor of a decimal prefix code (the low 5 bits of a unit code), as literals (the
/// same `f64` as `1e-6` written in code).
fn prefix(code: u16) -> Option<f64> {
    Some(match code {
        0 => 1.0,
        1 => 1e1,
        2 => 1e2,
        3 => 1e3,
        4 => 1e6,
        5 => 1e9,
        6 => 1e12,
        7 => 1e15,
        8 => 1e18,
        9 => 1e21,
        10 => 1e24,
        16 => 1e-1,
        17 => 1e-2,
        18 => 1e-3,
        19 => 1e-6,
        20 => 1e-9,
        21 => 1e-12,
        22 => 1e-15,
        23 => 1e-18,
        24 => 1e-21,
        25 => 1e-24,
        _ => return None,
    })
}

/// The SI unit of a channel and the factor to it, from its 2.x code (when not 0) or its
/// text. Unknown codes and texts keep the text (or `code N`), unscaled.
pub(crate) fn unit_of(code: Option<u16>, text: &str) -> (String, f64) {
    if let Some(code) = code.filter(|&c| c != 0) {
        let base = code & !31;
        if let (Some((_, symbol, scales)), Some(factor)) =
            (BASES.iter().find(|(b, _, _)| *b == base), prefix(code & 31))
        {
            if *scales || factor == 1.0 {
                return (symbol.to_string(), factor);
            }
        }
        let shown = if text.is_empty() {
            format!("code {code}")
        } else {
            text.to_string()
        };
        return (shown, 1.0);
    }
    match voltage_scale(text) {
        Some(s) => ("V".into(), s),
        None => (text.to_string(), 1.0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_texts() {
        assert_eq!(unit_of(Some(4275), ""), ("V".into(), 1e-6));
        assert_eq!(unit_of(Some(4274), "mV"), ("V".into(), 1e-3));
        assert_eq!(unit_of(Some(4256), ""), ("V".into(), 1.0));
        assert_eq!(unit_of(Some(4276), ""), ("V".into(), 1e-9));
        assert_eq!(unit_of(Some(4259), ""), ("V".into(), 1e3));
        assert_eq!(unit_of(Some(512), "-"), ("".into(), 1.0));
        assert_eq!(unit_of(Some(6048), ""), ("degC".into(), 1.0));
        assert_eq!(unit_of(Some(9999), "odd"), ("odd".into(), 1.0));
        assert_eq!(unit_of(Some(9999), ""), ("code 9999".into(), 1.0));
        assert_eq!(unit_of(Some(0), "uV"), ("V".into(), 1e-6));
        assert_eq!(unit_of(None, "mV"), ("V".into(), 1e-3));
        assert_eq!(unit_of(None, "degC"), ("degC".into(), 1.0));
        assert_eq!(prefix(4), Some(1e6));
        assert_eq!(prefix(10), Some(1e24));
        assert_eq!(prefix(25), Some(1e-24));
        assert_eq!(prefix(11), None);
    }
}
