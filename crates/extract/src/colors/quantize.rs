//! Colour quantisation in RGBA: median cut (Heckbert 1982) seeds a palette,
//! then a few k-means (Lloyd) rounds move each colour to the mean of the pixels
//! nearest to it.
//!
//! Median cut alone splits boxes at the pixel median, so every box ends up with
//! about the same number of pixels and the shares say nothing; the k-means
//! rounds give each colour the pixels that actually look like it.
//!
//! Median cut: start with one box holding every distinct colour; repeatedly
//! split the box with the largest `pixel count x widest channel range` at the
//! pixel-weighted median of that channel, until there are `max_colors` boxes or
//! none can be split. Ties are broken by position and colour value, never by
//! hashing or threads, so the same pixels always give the same palette.

/// k-means rounds after the median-cut seeding; the assignment has settled by then.
const REFINE_ROUNDS: usize = 6;

/// One quantised colour and how many pixels it stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Cluster {
    pub rgba: [u8; 4],
    pub pixels: u32,
}

/// A distinct colour and its pixel count.
#[derive(Debug, Clone, Copy)]
struct Entry {
    rgba: [u8; 4],
    count: u32,
}

/// A box: a contiguous run of `entries`.
#[derive(Debug, Clone, Copy)]
struct ColorBox {
    start: usize,
    end: usize,
    population: u64,
    widest_channel: usize,
    widest_range: u8,
}

/// Quantises `pixels` to at most `max_colors` clusters, largest first.
pub(crate) fn quantize(pixels: &[[u8; 4]], max_colors: usize) -> Vec<Cluster> {
    let mut entries = distinct_colors(pixels);
    if entries.is_empty() || max_colors == 0 {
        return Vec::new();
    }
    let mut boxes = vec![measure(&entries, 0, entries.len())];
    while boxes.len() < max_colors {
        let Some(index) = box_to_split(&boxes) else {
            break;
        };
        let (low, high) = split(&mut entries, boxes[index]);
        boxes[index] = low;
        boxes.push(high);
    }
    let seeds: Vec<[u8; 4]> = boxes
        .iter()
        .map(|b| mean_color(&entries[b.start..b.end]).rgba)
        .collect();
    let mut clusters = refine(&entries, &seeds);
    clusters.sort_by(|a, b| b.pixels.cmp(&a.pixels).then(a.rgba.cmp(&b.rgba)));
    clusters
}

/// Lloyd rounds: every colour goes to its nearest centre (the first on a tie),
/// each centre moves to the mean of what it got. Centres left empty are dropped.
/// A round that moves no centre is a fixed point: the rounds left would give
/// the same clusters, so they are skipped.
fn refine(entries: &[Entry], seeds: &[[u8; 4]]) -> Vec<Cluster> {
    let mut clusters = assign(entries, seeds);
    for _ in 0..REFINE_ROUNDS {
        let centres: Vec<[u8; 4]> = clusters.iter().map(|c| c.rgba).collect();
        let next = assign(entries, &centres);
        let settled = next.iter().map(|c| c.rgba).eq(centres.iter().copied());
        clusters = next;
        if settled {
            break;
        }
    }
    clusters
}

fn assign(entries: &[Entry], centres: &[[u8; 4]]) -> Vec<Cluster> {
    let lanes = CentreLanes::of(centres);
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: this CPU has AVX2, checked on the line above.
        #[allow(unsafe_code)]
        return unsafe { assign_avx2(entries, &lanes) };
    }
    assign_with(entries, &lanes)
}

/// [`assign_with`] compiled for AVX2 (8 lanes of 32-bit multiplies; the
/// x86-64 baseline, SSE2, has no 32-bit lane multiply): integer arithmetic, so
/// the same answer as the baseline build, about twice as fast.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn assign_avx2(entries: &[Entry], lanes: &CentreLanes) -> Vec<Cluster> {
    assign_with(entries, lanes)
}

#[inline(always)]
fn assign_with(entries: &[Entry], lanes: &CentreLanes) -> Vec<Cluster> {
    let mut sums = vec![([0u64; 4], 0u64); lanes.len];
    for entry in entries {
        let (channels, pixels) = &mut sums[lanes.nearest(entry.rgba)];
        *pixels += u64::from(entry.count);
        accumulate(channels, entry);
    }
    sums.into_iter()
        .filter(|&(_, pixels)| pixels > 0)
        .map(|(channels, pixels)| mean(channels, pixels))
        .collect()
}

/// Centres laid out channel by channel in fixed groups of [`LANES`], so that
/// the distances from a colour to a whole group compile to vector code (the
/// nearest-centre search is most of the colour analysis). The last group is
/// padded with centres farther from every colour than any real one.
struct CentreLanes {
    groups: Vec<[[i32; LANES]; 4]>,
    /// Real centres (the rest of the last group is padding).
    len: usize,
}

const LANES: usize = 32;
/// A padding channel value: its squared distance to any 8-bit value exceeds
/// the largest real squared distance (4 x 255²), and four of them fit an i32.
const FAR: i32 = 1 << 12;

impl CentreLanes {
    fn of(centres: &[[u8; 4]]) -> CentreLanes {
        let groups = centres
            .chunks(LANES)
            .map(|chunk| {
                let mut group = [[FAR; LANES]; 4];
                for (lane, centre) in chunk.iter().enumerate() {
                    for channel in 0..4 {
                        group[channel][lane] = i32::from(centre[channel]);
                    }
                }
                group
            })
            .collect();
        CentreLanes {
            groups,
            len: centres.len(),
        }
    }

    /// The index of the nearest centre to `rgba` (squared RGBA distance), the
    /// first of equals.
    #[inline(always)]
    fn nearest(&self, rgba: [u8; 4]) -> usize {
        let colour = rgba.map(i32::from);
        let mut best = (i32::MAX, 0);
        for (index, group) in self.groups.iter().enumerate() {
            let mut distances = [0i32; LANES];
            for channel in 0..4 {
                for (distance, &centre) in distances.iter_mut().zip(&group[channel]) {
                    let d = colour[channel] - centre;
                    *distance += d * d;
                }
            }
            let closest = distances.iter().copied().min().unwrap_or(i32::MAX);
            if closest < best.0 {
                let lane = distances.iter().position(|&d| d == closest).unwrap_or(0);
                best = (closest, index * LANES + lane);
            }
        }
        best.1
    }
}

fn distinct_colors(pixels: &[[u8; 4]]) -> Vec<Entry> {
    let mut packed: Vec<u32> = pixels.iter().map(|p| u32::from_be_bytes(*p)).collect();
    packed.sort_unstable();
    let mut entries: Vec<Entry> = Vec::new();
    for value in packed {
        match entries.last_mut() {
            Some(last) if u32::from_be_bytes(last.rgba) == value => last.count += 1,
            _ => entries.push(Entry {
                rgba: value.to_be_bytes(),
                count: 1,
            }),
        }
    }
    entries
}

fn measure(entries: &[Entry], start: usize, end: usize) -> ColorBox {
    let mut min = [u8::MAX; 4];
    let mut max = [u8::MIN; 4];
    let mut population = 0u64;
    for entry in &entries[start..end] {
        population += u64::from(entry.count);
        for c in 0..4 {
            min[c] = min[c].min(entry.rgba[c]);
            max[c] = max[c].max(entry.rgba[c]);
        }
    }
    // The first widest channel wins a tie: R, G, B, then A.
    let (widest_channel, widest_range) =
        (0..4)
            .map(|c| (c, max[c] - min[c]))
            .fold(
                (0, 0),
                |best, (c, range)| if range > best.1 { (c, range) } else { best },
            );
    ColorBox {
        start,
        end,
        population,
        widest_channel,
        widest_range,
    }
}

fn box_to_split(boxes: &[ColorBox]) -> Option<usize> {
    boxes
        .iter()
        .enumerate()
        .filter(|(_, b)| b.end - b.start > 1)
        .map(|(i, b)| (i, b.population * u64::from(b.widest_range)))
        .filter(|&(_, score)| score > 0)
        // `max_by_key` keeps the last of equals; reversing keeps the first.
        .rev()
        .max_by_key(|&(_, score)| score)
        .map(|(i, _)| i)
}

fn split(entries: &mut [Entry], color_box: ColorBox) -> (ColorBox, ColorBox) {
    let channel = color_box.widest_channel;
    let members = &mut entries[color_box.start..color_box.end];
    members.sort_unstable_by_key(|e| (e.rgba[channel], u32::from_be_bytes(e.rgba)));
    let half = color_box.population / 2;
    let mut seen = 0u64;
    let mut cut = members.len() - 1;
    for (i, entry) in members.iter().enumerate() {
        seen += u64::from(entry.count);
        if seen > half {
            cut = i;
            break;
        }
    }
    // Both halves keep at least one colour.
    let cut = color_box.start + cut.clamp(1, members.len() - 1);
    (
        measure(entries, color_box.start, cut),
        measure(entries, cut, color_box.end),
    )
}

fn mean_color(members: &[Entry]) -> Cluster {
    let mut sums = [0u64; 4];
    let mut pixels = 0u64;
    for entry in members {
        pixels += u64::from(entry.count);
        accumulate(&mut sums, entry);
    }
    mean(sums, pixels)
}

/// Adds `entry`'s channels, weighted by its pixel count, to `sums`.
fn accumulate(sums: &mut [u64; 4], entry: &Entry) {
    for (sum, &value) in sums.iter_mut().zip(&entry.rgba) {
        *sum += u64::from(value) * u64::from(entry.count);
    }
}

/// The rounded mean colour of `pixels` pixels whose channels add up to `sums`.
fn mean(sums: [u64; 4], pixels: u64) -> Cluster {
    let rgba = sums.map(|sum| ((sum + pixels / 2) / pixels.max(1)) as u8);
    Cluster {
        rgba,
        pixels: pixels as u32,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Where the CPU has AVX2, the assignment compiled for it gives exactly
    /// the clusters of the baseline build.
    #[cfg(target_arch = "x86_64")]
    #[test]
    fn the_avx2_assignment_equals_the_baseline_one() {
        if !std::arch::is_x86_feature_detected!("avx2") {
            return;
        }
        let mut state = 7u32;
        let mut next = || {
            state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            state.to_be_bytes()
        };
        let pixels: Vec<[u8; 4]> = (0..5000).map(|_| next()).collect();
        let entries = distinct_colors(&pixels);
        let centres: Vec<[u8; 4]> = (0..40).map(|_| next()).collect();
        let lanes = CentreLanes::of(&centres);
        #[allow(unsafe_code)]
        // SAFETY: AVX2 is present (checked above).
        let vector = unsafe { assign_avx2(&entries, &lanes) };
        assert_eq!(vector, assign_with(&entries, &lanes));
    }

    /// The lane layout finds what a plain scan over the centres finds, the
    /// first of equals included, across groups and past the padding.
    #[test]
    fn the_nearest_centre_is_the_first_of_the_closest() {
        let plain = |centres: &[[u8; 4]], colour: [u8; 4]| {
            let distance = |c: [u8; 4]| -> u32 {
                (0..4)
                    .map(|i| u32::from(c[i].abs_diff(colour[i])).pow(2))
                    .sum()
            };
            (0..centres.len())
                .min_by_key(|&i| distance(centres[i]))
                .unwrap()
        };
        // 70 centres: three groups, the last padded; duplicates make ties.
        let centres: Vec<[u8; 4]> = (0..70u32)
            .map(|i| {
                let v = (i * 37 % 251) as u8;
                [v, v / 2, 255 - v, if i % 3 == 0 { 255 } else { 0 }]
            })
            .chain([[0, 0, 0, 0], [0, 0, 0, 0]])
            .collect();
        let lanes = CentreLanes::of(&centres);
        for r in (0..=255u8).step_by(15) {
            for a in [0u8, 128, 255] {
                let colour = [r, 255 - r, r / 3, a];
                assert_eq!(lanes.nearest(colour), plain(&centres, colour), "{colour:?}");
            }
        }
        assert_eq!(lanes.nearest([0, 0, 0, 0]), plain(&centres, [0, 0, 0, 0]));
        assert_eq!(
            CentreLanes::of(&[[9, 9, 9, 9]]).nearest([255, 255, 255, 255]),
            0
        );
    }

    #[test]
    fn separates_distinct_colours_and_counts_their_pixels() {
        let red = [255, 0, 0, 255];
        let blue = [0, 0, 255, 255];
        let mut pixels = vec![red; 300];
        pixels.extend(vec![blue; 100]);
        let clusters = quantize(&pixels, 32);
        assert_eq!(
            clusters,
            [
                Cluster {
                    rgba: red,
                    pixels: 300
                },
                Cluster {
                    rgba: blue,
                    pixels: 100
                }
            ]
        );
    }

    #[test]
    fn caps_the_palette_and_keeps_every_pixel() {
        let pixels: Vec<[u8; 4]> = (0..=255u8)
            .flat_map(|v| [[v, 255 - v, v / 2, 255]; 3])
            .collect();
        let clusters = quantize(&pixels, 32);
        assert_eq!(clusters.len(), 32);
        assert_eq!(
            clusters.iter().map(|c| c.pixels).sum::<u32>(),
            pixels.len() as u32
        );
    }

    #[test]
    fn same_pixels_in_any_order_give_the_same_palette() {
        let pixels: Vec<[u8; 4]> = (0..5000u32)
            .map(|i| [(i * 7) as u8, (i * 13) as u8, (i * 31) as u8, 255])
            .collect();
        let mut reversed = pixels.clone();
        reversed.reverse();
        assert_eq!(quantize(&pixels, 16), quantize(&reversed, 16));
    }
}
