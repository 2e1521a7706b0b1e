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
fn refine(entries: &[Entry], seeds: &[[u8; 4]]) -> Vec<Cluster> {
    let mut clusters = assign(entries, seeds);
    for _ in 0..REFINE_ROUNDS {
        let centres: Vec<[u8; 4]> = clusters.iter().map(|c| c.rgba).collect();
        clusters = assign(entries, &centres);
    }
    clusters
}

fn assign(entries: &[Entry], centres: &[[u8; 4]]) -> Vec<Cluster> {
    let mut sums = vec![([0u64; 4], 0u64); centres.len()];
    for entry in entries {
        let nearest = (0..centres.len())
            .min_by_key(|&c| squared_distance(entry.rgba, centres[c]))
            .unwrap_or(0);
        let (channels, pixels) = &mut sums[nearest];
        *pixels += u64::from(entry.count);
        accumulate(channels, entry);
    }
    sums.into_iter()
        .filter(|&(_, pixels)| pixels > 0)
        .map(|(channels, pixels)| mean(channels, pixels))
        .collect()
}

fn squared_distance(a: [u8; 4], b: [u8; 4]) -> u32 {
    (0..4).map(|c| u32::from(a[c].abs_diff(b[c])).pow(2)).sum()
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
