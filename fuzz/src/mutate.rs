//! A small structure-blind mutator in the spirit of libFuzzer's: each call
//! stacks a few edits on a seed. Half the edits land in the first 512 bytes,
//! where image headers and chunk tables declare sizes and offsets; "interesting"
//! values (0, -1, powers of two at the edges of integer types) are what turn
//! a valid header into a bomb or an out-of-range offset.

use rand::rngs::StdRng;
use rand::Rng;

const HEADER_SPAN: usize = 512;
const INTERESTING_U32: [u32; 9] = [
    0,
    1,
    0x7f,
    0xff,
    0x7fff,
    0xffff,
    0x7fff_ffff,
    0x8000_0000,
    0xffff_ffff,
];

/// A mutated copy of `input`; `other` (another seed) is used for splicing.
pub fn mutate(rng: &mut StdRng, input: &[u8], other: &[u8]) -> Vec<u8> {
    let mut data = input.to_vec();
    for _ in 0..rng.random_range(1..=4) {
        edit(rng, &mut data, other);
    }
    data
}

fn edit(rng: &mut StdRng, data: &mut Vec<u8>, other: &[u8]) {
    if data.is_empty() {
        data.extend((0..rng.random_range(1..64)).map(|_| rng.random::<u8>()));
        return;
    }
    let at = position(rng, data.len());
    match rng.random_range(0..8) {
        0 => data[at] ^= 1 << rng.random_range(0..8),
        1 => data[at] = rng.random(),
        2 => {
            let width = [1, 2, 4][rng.random_range(0..3)];
            let value = u64::from(INTERESTING_U32[rng.random_range(0..INTERESTING_U32.len())]);
            let bytes: Vec<u8> = if rng.random() {
                value.to_be_bytes()[8 - width..].to_vec()
            } else {
                value.to_le_bytes()[..width].to_vec()
            };
            let end = (at + width).min(data.len());
            data[at..end].copy_from_slice(&bytes[..end - at]);
        }
        3 => data.truncate(at),
        4 => {
            let end = (at + rng.random_range(1..256)).min(data.len());
            data.drain(at..end);
        }
        5 => {
            let end = (at + rng.random_range(1..256)).min(data.len());
            let chunk = data[at..end].to_vec();
            data.splice(at..at, chunk);
        }
        6 => {
            let noise: Vec<u8> = (0..rng.random_range(1..32)).map(|_| rng.random()).collect();
            data.splice(at..at, noise);
        }
        _ => {
            if !other.is_empty() {
                let from = rng.random_range(0..other.len());
                let end = (from + rng.random_range(1..1024)).min(other.len());
                data.splice(at.., other[from..end].iter().copied());
            }
        }
    }
}

/// An offset in `0..len`, in the header half the time.
fn position(rng: &mut StdRng, len: usize) -> usize {
    let span = if rng.random() {
        len.min(HEADER_SPAN)
    } else {
        len
    };
    rng.random_range(0..span)
}
