//! Writing HTML safely: every text from the model goes through [`Page::text`] or
//! [`Page::attr`], which escape it as entities and show control characters escaped, so nothing
//! a target sent can become markup, close an attribute or hide in the page. Markup itself is
//! only ever written from literals of this folder ([`Page::raw`]).

use std::fmt::Write as _;

/// Characters of one text before the rest is cut (with `…`): a body quoted whole in a finding
/// must not turn the page into megabytes. The JSON report keeps every character.
const MAX_TEXT: usize = 4096;

/// An HTML document being written.
#[derive(Debug, Default)]
pub(super) struct Page {
    out: String,
    /// How many ids each prefix has given out ([`Page::next_id`]).
    ids: std::collections::BTreeMap<String, usize>,
}

impl Page {
    /// Markup from a literal of this folder; never data.
    pub(super) fn raw(&mut self, markup: &str) -> &mut Self {
        self.out.push_str(markup);
        self
    }

    /// Text content, escaped.
    pub(super) fn text(&mut self, text: &str) -> &mut Self {
        escape_into(&mut self.out, text);
        self
    }

    /// A number or other value with a `Display` (counts, percentages, ids), escaped like text.
    pub(super) fn num(&mut self, value: impl std::fmt::Display) -> &mut Self {
        escape_into(&mut self.out, &value.to_string());
        self
    }

    /// ` name="value"`, the value escaped (the name is a literal).
    pub(super) fn attr(&mut self, name: &str, value: &str) -> &mut Self {
        let _ = write!(self.out, " {name}=\"");
        escape_into(&mut self.out, value);
        self.out.push('"');
        self
    }

    /// `<tag class="class">text</tag>`, the text escaped.
    pub(super) fn element(&mut self, tag: &str, class: &str, text: &str) -> &mut Self {
        self.out.push('<');
        self.out.push_str(tag);
        if !class.is_empty() {
            self.attr("class", class);
        }
        self.out.push('>');
        self.text(text);
        let _ = write!(self.out, "</{tag}>");
        self
    }

    /// A table row of escaped cells.
    pub(super) fn row(&mut self, cells: &[&str]) -> &mut Self {
        self.raw("<tr>");
        for cell in cells {
            self.element("td", "", cell);
        }
        self.raw("</tr>\n")
    }

    /// A table head of escaped cells.
    pub(super) fn head(&mut self, cells: &[&str]) -> &mut Self {
        self.raw("<thead><tr>");
        for cell in cells {
            self.element("th", "", cell);
        }
        self.raw("</tr></thead>\n")
    }

    /// A fresh element id, `prefix-1`, `prefix-2`..., for links into the page.
    pub(super) fn next_id(&mut self, prefix: &str) -> String {
        let n = self.ids.entry(prefix.to_string()).or_default();
        *n += 1;
        format!("{prefix}-{n}")
    }

    /// The document written so far.
    pub(super) fn finish(self) -> String {
        self.out
    }
}

/// Appends `text` as HTML text or attribute value: `& < > " '` as entities, control characters
/// other than newline and tab as visible `\u{..}`, and at most [`MAX_TEXT`] characters.
fn escape_into(out: &mut String, text: &str) {
    for (i, c) in text.chars().enumerate() {
        if i == MAX_TEXT {
            out.push('…');
            break;
        }
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() && c != '\n' && c != '\t' => {
                let _ = write!(out, "{}", c.escape_unicode());
            }
            c => out.push(c),
        }
    }
}

/// `text` escaped, for tests and for values assembled before they are written.
#[cfg(test)]
pub(super) fn escape(text: &str) -> String {
    let mut out = String::new();
    escape_into(&mut out, text);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_characters_become_entities_and_controls_visible() {
        assert_eq!(
            escape("<img src=x onerror='a'>&\"q\""),
            "&lt;img src=x onerror=&#39;a&#39;&gt;&amp;&quot;q&quot;"
        );
        assert_eq!(escape("a\u{1b}[31mb\nc\td"), "a\\u{1b}[31mb\nc\td");
        assert_eq!(escape("王小明"), "王小明");
    }

    #[test]
    fn attributes_cannot_be_closed_by_data() {
        let mut page = Page::default();
        page.raw("<p").attr("title", "\" onclick=\"x").raw(">");
        assert_eq!(page.finish(), "<p title=\"&quot; onclick=&quot;x\">");
    }

    #[test]
    fn long_texts_are_cut() {
        let long = "x".repeat(MAX_TEXT + 10);
        let escaped = escape(&long);
        assert_eq!(escaped.chars().count(), MAX_TEXT + 1);
        assert!(escaped.ends_with('…'));
    }
}
