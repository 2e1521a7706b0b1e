//! The grouping rule of `assay dedupe`: two images belong together when a
//! chain of images links them, each step within `max_distance` (single
//! linkage: the connected components of the "within the distance" graph).
//!
//! Why single linkage: edits of one picture are each close to the original
//! but may be further from one another (on the shared benchmark two edits of
//! one photo are up to 10 apart, each within 8 of the original), so a rule
//! that asks every pair of a group to be close needs a larger distance to
//! keep them together. The grouping does not depend on the order of the files.

use extract::Phash;

/// Groups of indexes into `hashes` (each sorted, groups by first index);
/// images with no near-duplicate are left out. Compares every pair: 10,000
/// images are 50 million XOR-and-popcounts, a fraction of the time hashing
/// them took.
pub fn near_duplicate_groups(hashes: &[Phash], max_distance: u32) -> Vec<Vec<usize>> {
    let mut sets = DisjointSets::new(hashes.len());
    for (i, a) in hashes.iter().enumerate() {
        for (j, b) in hashes.iter().enumerate().skip(i + 1) {
            if a.distance(*b) <= max_distance {
                sets.union(i, j);
            }
        }
    }
    let mut groups: Vec<Vec<usize>> = vec![Vec::new(); hashes.len()];
    for i in 0..hashes.len() {
        let root = sets.find(i);
        groups[root].push(i);
    }
    let mut groups: Vec<Vec<usize>> = groups.into_iter().filter(|group| group.len() > 1).collect();
    groups.sort_unstable_by_key(|group| group[0]);
    groups
}

/// Union-find with path halving: a dozen lines, not worth a dependency.
struct DisjointSets {
    parent: Vec<usize>,
}

impl DisjointSets {
    fn new(len: usize) -> Self {
        DisjointSets {
            parent: (0..len).collect(),
        }
    }

    fn find(&mut self, mut i: usize) -> usize {
        while self.parent[i] != i {
            self.parent[i] = self.parent[self.parent[i]];
            i = self.parent[i];
        }
        i
    }

    fn union(&mut self, a: usize, b: usize) {
        let (a, b) = (self.find(a), self.find(b));
        // The smaller index becomes the root: deterministic, whatever the order of unions.
        self.parent[a.max(b)] = a.min(b);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hashes(values: &[u64]) -> Vec<Phash> {
        values.iter().copied().map(Phash::from_u64).collect()
    }

    #[test]
    fn a_chain_of_close_images_is_one_group() {
        // 0 and 2 are 4 apart, each 2 from 1: one group at distance 2.
        let hashes = hashes(&[0b0000, 0b0011, 0b1111, u64::MAX]);
        assert_eq!(near_duplicate_groups(&hashes, 2), [vec![0, 1, 2]]);
        assert_eq!(near_duplicate_groups(&hashes, 1), Vec::<Vec<usize>>::new());
    }

    #[test]
    fn unrelated_images_are_not_grouped() {
        let hashes = hashes(&[0, u64::MAX, 0, u64::MAX, 0x00ff_00ff_00ff_00ff]);
        assert_eq!(near_duplicate_groups(&hashes, 8), [vec![0, 2], vec![1, 3]]);
    }
}
