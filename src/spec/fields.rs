//! The response fields the catalogue names for one operation and status ([`ResponseFields`]),
//! with the tree of their path segments: every answer is walked for the fields it shows, and a
//! walk by segment, from node to child, costs no path string and no look-up in a set of strings.

/// The requirements about the fields of one operation's answer with one status.
#[derive(Debug, Default)]
pub struct ResponseFields {
    /// Indices into [`super::Spec::requirements`], in catalogue order.
    pub requirements: Vec<usize>,
    /// For each of `requirements`, the index of its field path in `paths`.
    pub path_of: Vec<usize>,
    /// The field paths they name (`customer_info_list.corp_name`; `body` for the body itself),
    /// sorted and each once.
    pub paths: Vec<String>,
    /// The segments of those paths as a tree, its root the body; empty only in
    /// [`ResponseFields::EMPTY`].
    tree: Vec<FieldNode>,
}

/// One node of the tree: a path that is a named field or leads to one.
#[derive(Debug, Default)]
struct FieldNode {
    /// Its index in `paths` when the catalogue names this path itself.
    path: Option<usize>,
    /// The next segments, sorted by key, each with the index of its node.
    children: Vec<(String, usize)>,
}

/// A position in a [`ResponseFields`] tree: where a walk of a body stands.
#[derive(Debug, Clone, Copy)]
pub struct FieldCursor(usize);

impl ResponseFields {
    /// No field: the answer of a status the contract does not document.
    pub const EMPTY: ResponseFields = ResponseFields {
        requirements: Vec::new(),
        path_of: Vec::new(),
        paths: Vec::new(),
        tree: Vec::new(),
    };

    /// The fields of the requirements `requirements` (indices into the catalogue), each with the
    /// field path it names.
    pub fn new(requirements: Vec<(usize, String)>) -> ResponseFields {
        let mut paths: Vec<String> = requirements.iter().map(|(_, p)| p.clone()).collect();
        paths.sort();
        paths.dedup();
        let path_of = requirements
            .iter()
            .map(|(_, p)| paths.binary_search(p).unwrap_or_default())
            .collect();
        let mut tree = vec![FieldNode::default()];
        for (index, path) in paths.iter().enumerate() {
            // The body itself is the root; every other path is read from the root down.
            if path == "body" {
                tree[0].path = Some(index);
            }
            let mut node = 0;
            for segment in path.split('.') {
                node = match tree[node]
                    .children
                    .binary_search_by(|(key, _)| key.as_str().cmp(segment))
                {
                    Ok(at) => tree[node].children[at].1,
                    Err(at) => {
                        let child = tree.len();
                        tree.push(FieldNode::default());
                        tree[node].children.insert(at, (segment.to_string(), child));
                        child
                    }
                };
            }
            tree[node].path = Some(index);
        }
        ResponseFields {
            requirements: requirements.into_iter().map(|(i, _)| i).collect(),
            path_of,
            paths,
            tree,
        }
    }

    /// The body itself: where every walk starts; `None` for [`ResponseFields::EMPTY`] (a
    /// status the contract does not document).
    pub fn root(&self) -> Option<FieldCursor> {
        (!self.tree.is_empty()).then_some(FieldCursor(0))
    }

    /// The index in `paths` of the path at `at`, when the catalogue names it.
    pub fn path_at(&self, at: FieldCursor) -> Option<usize> {
        self.tree[at.0].path
    }

    /// The member `key` of the value at `at`, when it is a named field or leads to one.
    pub fn child(&self, at: FieldCursor, key: &str) -> Option<FieldCursor> {
        let children = &self.tree[at.0].children;
        children
            .binary_search_by(|(k, _)| k.as_str().cmp(key))
            .ok()
            .map(|i| FieldCursor(children[i].1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tree_leads_to_every_named_path_and_only_there() {
        let fields = ResponseFields::new(vec![
            (7, "customer_info_list.corp_name".into()),
            (3, "body".into()),
            (9, "count".into()),
            (4, "customer_info_list.corp_name".into()),
        ]);
        assert_eq!(fields.requirements, [7, 3, 9, 4]);
        assert_eq!(
            fields.paths,
            ["body", "count", "customer_info_list.corp_name"]
        );
        assert_eq!(fields.path_of, [2, 0, 1, 2]);
        let root = fields.root().unwrap();
        assert_eq!(fields.path_at(root), Some(0));
        let list = fields.child(root, "customer_info_list").unwrap();
        assert_eq!(
            fields.path_at(list),
            None,
            "a parent the catalogue does not name"
        );
        let name = fields.child(list, "corp_name").unwrap();
        assert_eq!(fields.path_at(name), Some(2));
        assert!(fields.child(root, "customer_info_lis").is_none());
        assert!(fields.child(root, "customer_info_list.corp_name").is_none());
        assert!(fields.child(name, "x").is_none());
        assert!(ResponseFields::default().root().is_none());
    }
}
