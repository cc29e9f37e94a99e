//! YAML documents as trees with byte spans, built from `saphyr-parser` events.
//!
//! Aliases are expanded by copying the anchored node, within a budget of nodes per file, so an
//! alias bomb ("billion laughs") stops with an error instead of exhausting memory. Merge keys
//! (`<<: *defaults`) are applied.

use std::collections::HashMap;
use std::ops::Range;

use saphyr_parser::{Event, Parser, ScalarStyle};

/// Most nodes one file may expand to (aliases included).
pub const MAX_NODES: usize = 200_000;

/// A YAML node with the byte span of its text.
#[derive(Debug, Clone)]
pub enum Node {
    /// A scalar: its value, whether it was quoted, and the span of its text (quotes excluded).
    Scalar {
        /// The value (escapes resolved).
        value: String,
        /// Written in single or double quotes, or as a block scalar.
        quoted: bool,
        /// Byte span of the value's text.
        span: Range<usize>,
    },
    /// A sequence.
    Seq(Vec<Node>, Range<usize>),
    /// A mapping, in file order.
    Map(Vec<(Node, Node)>, Range<usize>),
}

impl Node {
    /// The byte span of the node's text.
    pub fn span(&self) -> Range<usize> {
        match self {
            Node::Scalar { span, .. } | Node::Seq(_, span) | Node::Map(_, span) => span.clone(),
        }
    }

    /// The scalar's value.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Node::Scalar { value, .. } => Some(value),
            _ => None,
        }
    }

    /// The mapping's entries.
    pub fn entries(&self) -> &[(Node, Node)] {
        match self {
            Node::Map(entries, _) => entries,
            _ => &[],
        }
    }

    /// The sequence's items.
    pub fn items(&self) -> &[Node] {
        match self {
            Node::Seq(items, _) => items,
            _ => &[],
        }
    }

    /// The value under `key` in a mapping.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entries()
            .iter()
            .find(|(k, _)| k.as_str() == Some(key))
            .map(|(_, v)| v)
    }

    /// Entries whose key is a scalar, as `(key, key node, value)`.
    pub fn pairs(&self) -> impl Iterator<Item = (&str, &Node, &Node)> {
        self.entries()
            .iter()
            .filter_map(|(k, v)| k.as_str().map(|key| (key, k, v)))
    }

    /// Every scalar under this node (depth first), with its path of mapping keys.
    pub fn walk<'a>(&'a self, path: &mut Vec<&'a str>, visit: &mut dyn FnMut(&[&'a str], &'a Node)) {
        visit(path, self);
        match self {
            Node::Scalar { .. } => {}
            Node::Seq(items, _) => items.iter().for_each(|n| n.walk(path, visit)),
            Node::Map(entries, _) => {
                for (k, v) in entries {
                    path.push(k.as_str().unwrap_or(""));
                    v.walk(path, visit);
                    path.pop();
                }
            }
        }
    }
}

/// Why a YAML stream could not be turned into nodes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum YamlError {
    /// Not valid YAML (the parser's message).
    #[error("{0}")]
    Syntax(String),
    /// More nodes than [`MAX_NODES`] after alias expansion: hostile input (an alias bomb).
    #[error("more than {limit} nodes after alias expansion (alias bomb?)")]
    NodeBudget {
        /// The budget.
        limit: usize,
    },
}

/// Parses every document of a YAML stream.
pub fn parse(text: &str) -> Result<Vec<Node>, YamlError> {
    let offsets = CharOffsets::new(text);
    let mut builder = Builder {
        stack: Vec::new(),
        anchors: HashMap::new(),
        docs: Vec::new(),
        nodes: 0,
        text,
    };
    for event in Parser::new_from_str(text) {
        let (event, span) = event.map_err(|e| YamlError::Syntax(e.to_string()))?;
        let span = offsets.byte(span.start.index())..offsets.byte(span.end.index());
        builder.event(event, span)?;
    }
    Ok(builder.docs)
}

/// Char index → byte offset (identity for ASCII text).
struct CharOffsets {
    bytes: Option<Vec<usize>>,
    len: usize,
}

impl CharOffsets {
    fn new(text: &str) -> CharOffsets {
        let bytes = (!text.is_ascii()).then(|| text.char_indices().map(|(b, _)| b).collect());
        CharOffsets { bytes, len: text.len() }
    }

    fn byte(&self, char_index: usize) -> usize {
        match &self.bytes {
            None => char_index.min(self.len),
            Some(b) => b.get(char_index).copied().unwrap_or(self.len),
        }
    }
}

enum Open {
    Seq(Vec<Node>, usize, usize),
    Map(Vec<(Node, Node)>, Option<Node>, usize, usize),
}

struct Builder<'t> {
    stack: Vec<Open>,
    anchors: HashMap<usize, Node>,
    docs: Vec<Node>,
    nodes: usize,
    text: &'t str,
}

impl Builder<'_> {
    fn event(&mut self, event: Event<'_>, span: Range<usize>) -> Result<(), YamlError> {
        match event {
            Event::Scalar(value, style, anchor, _) => {
                let quoted = !matches!(style, ScalarStyle::Plain);
                let span = self.unquote(span, style);
                let node = Node::Scalar {
                    value: value.into_owned(),
                    quoted,
                    span,
                };
                self.finish(node, anchor)?;
            }
            Event::SequenceStart(anchor, _) => self.stack.push(Open::Seq(Vec::new(), anchor, span.start)),
            Event::MappingStart(anchor, _) => self.stack.push(Open::Map(Vec::new(), None, anchor, span.start)),
            Event::SequenceEnd => {
                if let Some(Open::Seq(items, anchor, start)) = self.stack.pop() {
                    self.finish(Node::Seq(items, start..span.end.max(start)), anchor)?;
                }
            }
            Event::MappingEnd => {
                if let Some(Open::Map(entries, _, anchor, start)) = self.stack.pop() {
                    self.finish(Node::Map(entries, start..span.end.max(start)), anchor)?;
                }
            }
            Event::Alias(id) => {
                let node = self
                    .anchors
                    .get(&id)
                    .cloned()
                    .ok_or_else(|| YamlError::Syntax("alias to an unknown anchor".into()))?;
                self.count(count_nodes(&node))?;
                self.attach(node);
            }
            _ => {}
        }
        Ok(())
    }

    /// The span of a quoted scalar without its quotes.
    fn unquote(&self, span: Range<usize>, style: ScalarStyle) -> Range<usize> {
        let text = self.text.as_bytes();
        if matches!(style, ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted)
            && span.end > span.start + 1
            && matches!(text.get(span.start), Some(b'"' | b'\''))
        {
            return span.start + 1..span.end - 1;
        }
        span
    }

    fn count(&mut self, n: usize) -> Result<(), YamlError> {
        self.nodes += n;
        if self.nodes > MAX_NODES {
            return Err(YamlError::NodeBudget { limit: MAX_NODES });
        }
        Ok(())
    }

    fn finish(&mut self, node: Node, anchor: usize) -> Result<(), YamlError> {
        self.count(1)?;
        if anchor > 0 {
            self.anchors.insert(anchor, node.clone());
        }
        self.attach(node);
        Ok(())
    }

    fn attach(&mut self, node: Node) {
        match self.stack.last_mut() {
            None => self.docs.push(node),
            Some(Open::Seq(items, ..)) => items.push(node),
            Some(Open::Map(entries, pending, ..)) => match pending.take() {
                None => *pending = Some(node),
                Some(key) if key.as_str() == Some("<<") => merge(entries, node),
                // A key set explicitly overrides one merged in from `<<` (and a repeated key,
                // which YAML forbids, keeps the last value).
                Some(key) => match entries
                    .iter_mut()
                    .find(|(k, _)| k.as_str().is_some() && k.as_str() == key.as_str())
                {
                    Some(existing) => *existing = (key, node),
                    None => entries.push((key, node)),
                },
            },
        }
    }
}

/// `<<: *defaults` (or a list of them): the merged mappings' keys that are not set already.
fn merge(entries: &mut Vec<(Node, Node)>, value: Node) {
    let sources = match value {
        Node::Seq(items, _) => items,
        other => vec![other],
    };
    for source in sources {
        if let Node::Map(merged, _) = source {
            for (k, v) in merged {
                if !entries.iter().any(|(existing, _)| existing.as_str() == k.as_str()) {
                    entries.push((k, v));
                }
            }
        }
    }
}

fn count_nodes(node: &Node) -> usize {
    match node {
        Node::Scalar { .. } => 1,
        Node::Seq(items, _) => 1 + items.iter().map(count_nodes).sum::<usize>(),
        Node::Map(entries, _) => {
            1 + entries
                .iter()
                .map(|(k, v)| count_nodes(k) + count_nodes(v))
                .sum::<usize>()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_point_at_values_without_quotes() {
        let text = "env:\n  TOKEN: \"abc def\"\n  name: plain\n---\nkind: Secret\n";
        let docs = parse(text).unwrap();
        assert_eq!(docs.len(), 2);
        let token = docs[0].get("env").unwrap().get("TOKEN").unwrap();
        assert_eq!(&text[token.span()], "abc def");
        assert_eq!(docs[1].get("kind").unwrap().as_str(), Some("Secret"));
    }

    #[test]
    fn non_ascii_text_keeps_byte_spans() {
        let text = "é: ü\nkey: välue\n";
        let docs = parse(text).unwrap();
        let v = docs[0].get("key").unwrap();
        assert_eq!(&text[v.span()], "välue");
    }

    #[test]
    fn merge_keys_and_aliases() {
        let text = "base: &b\n  image: x\n  token: t\njob:\n  <<: *b\n  image: y\n";
        let docs = parse(text).unwrap();
        let job = docs[0].get("job").unwrap();
        assert_eq!(job.get("image").unwrap().as_str(), Some("y"));
        assert_eq!(job.get("token").unwrap().as_str(), Some("t"));
    }

    #[test]
    fn alias_bombs_stop_at_the_budget() {
        let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..10 {
            let p = i - 1;
            text.push_str(&format!(
                "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
            ));
        }
        let err = parse(&text).unwrap_err();
        assert_eq!(err, YamlError::NodeBudget { limit: MAX_NODES });
        assert!(err.to_string().contains("alias bomb"), "{err}");
    }
}
