//! The block tree: FIFF_BLOCK_START / FIFF_BLOCK_END tags nest the flat tag list into
//! blocks (measurement, measurement info, raw data, ...), as MNE's `make_dir_tree`.
//!
//! Built iteratively into an arena (no recursion, so deep nesting in a malformed file
//! cannot overflow the stack); a block that is never closed simply ends with the file.

use super::constants::{FIFF_BLOCK_END, FIFF_BLOCK_START};
use super::tag::{read_i32, Tag};
use player_api::io::SourceFile;
use player_api::ReadError;

/// One block: its kind, its own tags (not those of its children), its children.
#[derive(Debug, Clone, Default)]
pub struct Node {
    /// The block kind (`FIFFB_*`); 0 for the root.
    pub block: i32,
    /// The tags directly inside the block, in file order (block start/end excluded).
    pub entries: Vec<Tag>,
    /// Indices of the child blocks in [`Tree::nodes`], in file order.
    pub children: Vec<usize>,
}

/// The block tree of one file. Node 0 is the root.
#[derive(Debug, Clone)]
pub struct Tree {
    /// All blocks, in the order their starts appear in the file (a pre-order).
    pub nodes: Vec<Node>,
}

/// The root node's index.
pub const ROOT: usize = 0;

impl Tree {
    /// Nests `tags` into blocks, reading each FIFF_BLOCK_START's block kind.
    pub fn build(file: &mut SourceFile, tags: &[Tag]) -> Result<Tree, ReadError> {
        let mut nodes = vec![Node::default()];
        let mut stack = vec![ROOT];
        for tag in tags {
            let current = stack.last().copied().unwrap_or(ROOT);
            match tag.kind {
                FIFF_BLOCK_START => {
                    let block = read_i32(file, tag)?;
                    let index = nodes.len();
                    nodes.push(Node {
                        block,
                        ..Node::default()
                    });
                    if let Some(parent) = nodes.get_mut(current) {
                        parent.children.push(index);
                    }
                    stack.push(index);
                }
                FIFF_BLOCK_END => {
                    if stack.len() > 1 {
                        stack.pop();
                    }
                }
                _ => {
                    if let Some(node) = nodes.get_mut(current) {
                        node.entries.push(*tag);
                    }
                }
            }
        }
        Ok(Tree { nodes })
    }

    /// The node at `index` (an index this tree handed out).
    pub fn node(&self, index: usize) -> Option<&Node> {
        self.nodes.get(index)
    }

    /// The blocks of kind `block` at or below `from`, in file order (MNE's
    /// `dir_tree_find`).
    pub fn find(&self, from: usize, block: i32) -> Vec<usize> {
        let mut found = Vec::new();
        let mut stack = vec![from];
        while let Some(i) = stack.pop() {
            let Some(node) = self.nodes.get(i) else {
                continue;
            };
            if node.block == block {
                found.push(i);
            }
            stack.extend(node.children.iter().rev());
        }
        found
    }

    /// The first block of kind `block` at or below `from`.
    pub fn find_first(&self, from: usize, block: i32) -> Option<usize> {
        self.find(from, block).into_iter().next()
    }

    /// The entries of node `index` (empty for an unknown index).
    pub fn entries(&self, index: usize) -> &[Tag] {
        self.nodes.get(index).map_or(&[], |n| n.entries.as_slice())
    }
}
