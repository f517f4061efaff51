//! XML text → dialplan model, collecting every problem with its `file:line`.

use std::sync::Arc;

use roxmltree::{Document, Node, NodeType};

use super::error::DialplanError;
use super::model::{
    Action, Break, Condition, Context, Extension, Field, FieldTest, Location, RegexItem, RegexMode,
    Test,
};
use super::pattern::Pattern;
use super::profile::ProfileField;
use super::time::{TIME_ATTRIBUTES, TimeSpec};
use super::truth::parse_bool;

/// Deepest condition nesting accepted (FreeSWITCH's recursion limit).
pub const MAX_NESTING: usize = 100;

const CONDITION_ATTRS: [&str; 5] = ["field", "expression", "break", "regex", "require-nested"];
const REGEX_ATTRS: [&str; 2] = ["field", "expression"];
const ACTION_ATTRS: [&str; 4] = ["application", "data", "inline", "loop"];

struct Parser<'a, 'input> {
    doc: &'a Document<'input>,
    /// Byte offset of the start of each line, for O(log n) line lookups
    /// (`Document::text_pos_at` rescans the text from the start).
    line_starts: Vec<usize>,
    file: Arc<str>,
    errors: &'a mut Vec<DialplanError>,
}

/// Parses one dialplan file. Returns the contexts it defines (in order) and
/// appends every problem found to `errors`; a file with problems may still
/// yield contexts, but callers should not use them when `errors` grew.
pub fn parse_file(file: &str, text: &str, errors: &mut Vec<DialplanError>) -> Vec<Context> {
    let doc = match Document::parse(text) {
        Ok(doc) => doc,
        Err(e) => {
            errors.push(DialplanError::new(
                file,
                e.pos().row,
                format!("malformed XML: {e}"),
            ));
            return Vec::new();
        }
    };
    let line_starts = std::iter::once(0)
        .chain(text.match_indices('\n').map(|(i, _)| i + 1))
        .collect();
    let mut parser = Parser {
        doc: &doc,
        line_starts,
        file: Arc::from(file),
        errors,
    };
    parser.document()
}

impl<'a, 'input> Parser<'a, 'input> {
    /// 1-based line of byte offset `pos`.
    fn line_of(&self, pos: usize) -> u32 {
        u32::try_from(self.line_starts.partition_point(|&start| start <= pos)).unwrap_or(u32::MAX)
    }

    fn loc(&self, node: Node<'_, '_>) -> Location {
        Location {
            file: self.file.clone(),
            line: self.line_of(node.range().start),
        }
    }

    fn error(&mut self, line: u32, message: impl Into<String>) {
        self.errors
            .push(DialplanError::new(&*self.file, line, message));
    }

    fn error_at(&mut self, node: Node<'_, '_>, message: impl Into<String>) {
        let line = self.line_of(node.range().start);
        self.error(line, message);
    }

    fn attr_line(&self, node: Node<'_, '_>, name: &str) -> u32 {
        node.attributes()
            .find(|a| a.name() == name && a.namespace().is_none())
            .map(|a| self.line_of(a.range().start))
            .unwrap_or_else(|| self.line_of(node.range().start))
    }

    /// Reports attributes not in `allowed` (plus the time attributes when `time`).
    fn check_attrs(&mut self, node: Node<'_, '_>, allowed: &[&str], time: bool) {
        for attr in node.attributes() {
            if attr.namespace().is_some() {
                continue;
            }
            let name = attr.name();
            if allowed.contains(&name) || (time && TIME_ATTRIBUTES.contains(&name)) {
                continue;
            }
            let line = self.line_of(attr.range().start);
            let mut expected: Vec<&str> = allowed.to_vec();
            if time {
                expected.extend(TIME_ATTRIBUTES);
            }
            self.error(
                line,
                format!(
                    "unknown attribute `{name}` on <{}> (expected one of: {})",
                    node.tag_name().name(),
                    expected.join(", ")
                ),
            );
        }
    }

    /// Element children; reports stray text.
    fn elements<'n>(&mut self, node: Node<'n, 'input>) -> Vec<Node<'n, 'input>> {
        let mut out = Vec::new();
        for child in node.children() {
            match child.node_type() {
                NodeType::Element => out.push(child),
                NodeType::Text => {
                    if let Some(t) = child.text()
                        && !t.trim().is_empty()
                    {
                        let snippet: String = t.trim().chars().take(30).collect();
                        self.error_at(
                            child,
                            format!(
                                "unexpected text `{snippet}` inside <{}>",
                                node.tag_name().name()
                            ),
                        );
                    }
                }
                _ => {}
            }
        }
        out
    }

    fn unknown_element(&mut self, node: Node<'_, '_>, parent: &str, expected: &str) {
        let name = node.tag_name().name();
        let message = if name == "X-PRE-PROCESS" {
            "<X-PRE-PROCESS> is not supported in dialplan files; put each file in the dialplan directory instead".to_string()
        } else {
            format!("unknown element <{name}> inside <{parent}> (expected {expected})")
        };
        self.error_at(node, message);
    }

    fn document(&mut self) -> Vec<Context> {
        let root = self.doc.root_element();
        let mut contexts = Vec::new();
        match root.tag_name().name() {
            "include" => {
                self.check_attrs(root, &[], false);
                for child in self.elements(root) {
                    if child.tag_name().name() == "context" {
                        contexts.extend(self.context(child));
                    } else {
                        self.unknown_element(child, "include", "<context>");
                    }
                }
            }
            "context" => contexts.extend(self.context(root)),
            "document" => {
                self.check_attrs(root, &["type"], false);
                for section in self.elements(root) {
                    if section.tag_name().name() != "section" {
                        self.unknown_element(section, "document", "<section>");
                        continue;
                    }
                    if section.attribute("name") != Some("dialplan") {
                        continue;
                    }
                    self.check_attrs(section, &["name", "description"], false);
                    for child in self.elements(section) {
                        if child.tag_name().name() == "context" {
                            contexts.extend(self.context(child));
                        } else {
                            self.unknown_element(child, "section", "<context>");
                        }
                    }
                }
            }
            other => {
                let other = other.to_string();
                self.error_at(root, format!("unexpected root element <{other}> (expected <include>, <context> or <document>)"));
            }
        }
        contexts
    }

    fn context(&mut self, node: Node<'_, 'input>) -> Option<Context> {
        self.check_attrs(node, &["name", "timezone"], false);
        let time_zone = match node.attribute("timezone").map(str::trim) {
            None | Some("") => None,
            Some(zone) => {
                match jiff::tz::TimeZone::get(zone) {
                    Ok(_) => Some(zone.to_string()),
                    Err(_) => {
                        self.error_at(
                        node,
                        format!("timezone '{zone}' is not an IANA time zone name (e.g. Europe/Berlin)"),
                    );
                        None
                    }
                }
            }
        };
        let name = match node.attribute("name") {
            Some(n) if !n.trim().is_empty() => Some(n.to_string()),
            _ => {
                self.error_at(node, "<context> needs a non-empty name attribute");
                None
            }
        };
        let mut extensions = Vec::new();
        for child in self.elements(node) {
            if child.tag_name().name() == "extension" {
                extensions.push(self.extension(child));
            } else {
                self.unknown_element(child, "context", "<extension>");
            }
        }
        name.map(|name| Context {
            name,
            extensions,
            time_zone,
        })
    }

    fn bool_attr(&mut self, node: Node<'_, '_>, name: &str, default: bool) -> bool {
        match node.attribute(name) {
            None => default,
            Some(v) => match parse_bool(v) {
                Some(b) => b,
                None => {
                    let line = self.attr_line(node, name);
                    self.error(line, format!("{name}=\"{v}\" is not true or false"));
                    default
                }
            },
        }
    }

    fn extension(&mut self, node: Node<'_, 'input>) -> Extension {
        self.check_attrs(node, &["name", "continue"], false);
        let continue_hunt = self.bool_attr(node, "continue", false);
        let mut conditions = Vec::new();
        for child in self.elements(node) {
            if child.tag_name().name() == "condition" {
                conditions.push(self.condition(child, 1));
            } else {
                self.unknown_element(child, "extension", "<condition>");
            }
        }
        Extension {
            name: node.attribute("name").map(str::to_string),
            continue_hunt,
            conditions,
            location: self.loc(node),
        }
    }

    fn time_spec(&mut self, node: Node<'_, '_>) -> Option<TimeSpec> {
        let mut spec = TimeSpec::default();
        let mut any = false;
        for attr in node.attributes() {
            if attr.namespace().is_some() || !TIME_ATTRIBUTES.contains(&attr.name()) {
                continue;
            }
            any = true;
            if let Err(e) = spec.set(attr.name(), attr.value()) {
                let line = self.line_of(attr.range().start);
                self.error(line, format!("{}=\"{}\": {e}", attr.name(), attr.value()));
            }
        }
        any.then_some(spec)
    }

    /// The expression of a condition or `<regex>`: attribute or `<expression>` child.
    fn expression(
        &mut self,
        node: Node<'_, '_>,
        expression_child: Option<Node<'_, '_>>,
    ) -> Option<String> {
        let attr = node.attribute("expression");
        match (attr, expression_child) {
            (Some(_), Some(child)) => {
                self.error_at(
                    child,
                    "expression given both as attribute and as <expression> element",
                );
                attr.map(str::to_string)
            }
            (Some(a), None) => Some(a.to_string()),
            (None, Some(child)) => {
                self.check_attrs(child, &[], false);
                let mut text = String::new();
                for t in child.children() {
                    match t.node_type() {
                        NodeType::Text => text.push_str(t.text().unwrap_or_default()),
                        NodeType::Element => {
                            let name = t.tag_name().name().to_string();
                            self.error_at(
                                t,
                                format!("unexpected element <{name}> inside <expression>"),
                            );
                        }
                        _ => {}
                    }
                }
                Some(text)
            }
            (None, None) => None,
        }
    }

    fn field_test(&mut self, node: Node<'_, '_>, expression: Option<String>) -> Option<FieldTest> {
        let tag = node.tag_name().name().to_string();
        let field = node.attribute("field");
        match (field, expression) {
            (None, None) => None,
            (None, Some(_)) => {
                self.error_at(node, format!("<{tag}> has an expression but no field"));
                None
            }
            (Some(f), None) => {
                let line = self.attr_line(node, "field");
                self.error(line, format!("<{tag}> has field=\"{f}\" but no expression"));
                None
            }
            (Some(f), Some(expr)) => {
                let field = if f.contains('$') {
                    Some(Field::Expand(f.to_string()))
                } else if let Some(pf) = ProfileField::from_name(f) {
                    Some(Field::Profile(pf))
                } else {
                    let line = self.attr_line(node, "field");
                    let names: Vec<&str> = ProfileField::ALL.iter().map(|p| p.name()).collect();
                    self.error(
                        line,
                        format!(
                            "unknown caller profile field `{f}` (use ${{{f}}} for a channel variable; profile fields: {})",
                            names.join(", ")
                        ),
                    );
                    None
                };
                let pattern = match Pattern::new(&expr) {
                    Ok(p) => Some(p),
                    Err(e) => {
                        let line = self.attr_line(node, "expression");
                        self.error(line, format!("invalid regular expression `{expr}`: {e}"));
                        None
                    }
                };
                match (field, pattern) {
                    (Some(field), Some(pattern)) => Some(FieldTest { field, pattern }),
                    _ => None,
                }
            }
        }
    }

    fn condition(&mut self, node: Node<'_, 'input>, depth: usize) -> Condition {
        let location = self.loc(node);
        self.check_attrs(node, &CONDITION_ATTRS, true);
        if depth > MAX_NESTING {
            self.error_at(
                node,
                format!("conditions nested deeper than {MAX_NESTING} levels"),
            );
        }
        let break_on = match node.attribute("break") {
            None => Break::OnFalse,
            Some(v) => match v.to_ascii_lowercase().as_str() {
                "on-false" => Break::OnFalse,
                "on-true" => Break::OnTrue,
                "always" => Break::Always,
                "never" => Break::Never,
                _ => {
                    let line = self.attr_line(node, "break");
                    self.error(
                        line,
                        format!("break=\"{v}\" is not one of on-false, on-true, always, never"),
                    );
                    Break::OnFalse
                }
            },
        };
        let require_nested = self.bool_attr(node, "require-nested", true);
        let time = self.time_spec(node);

        let mut actions = Vec::new();
        let mut anti_actions = Vec::new();
        let mut nested = Vec::new();
        let mut regex_children = Vec::new();
        let mut expression_child = None;
        for child in self.elements(node) {
            match child.tag_name().name() {
                "action" => actions.extend(self.action(child)),
                "anti-action" => anti_actions.extend(self.action(child)),
                "condition" => {
                    if depth <= MAX_NESTING {
                        nested.push(self.condition(child, depth + 1));
                    }
                }
                "regex" => regex_children.push(child),
                "expression" => {
                    if expression_child.is_some() {
                        self.error_at(child, "more than one <expression> in a condition");
                    }
                    expression_child = Some(child);
                }
                _ => self.unknown_element(
                    child,
                    "condition",
                    "<action>, <anti-action>, <condition>, <regex> or <expression>",
                ),
            }
        }

        let test = match node.attribute("regex") {
            Some(mode_text) => {
                let mode = match mode_text.to_ascii_lowercase().as_str() {
                    "all" => Some(RegexMode::All),
                    "any" => Some(RegexMode::Any),
                    "xor" => Some(RegexMode::Xor),
                    _ => {
                        let line = self.attr_line(node, "regex");
                        self.error(
                            line,
                            format!("regex=\"{mode_text}\" is not one of all, any, xor"),
                        );
                        None
                    }
                };
                for attr in ["field", "expression"] {
                    if node.attribute(attr).is_some() {
                        let line = self.attr_line(node, attr);
                        self.error(line, format!("{attr} is ignored on a condition with regex=\"{mode_text}\"; use <regex> children"));
                    }
                }
                if let Some(child) = expression_child {
                    self.error_at(
                        child,
                        "<expression> is ignored on a condition with regex=; use <regex> children",
                    );
                }
                let items: Vec<RegexItem> = regex_children
                    .into_iter()
                    .map(|c| self.regex_item(c))
                    .collect();
                Test::Regex(mode.unwrap_or(RegexMode::Any), items)
            }
            None => {
                for child in regex_children {
                    self.error_at(
                        child,
                        "<regex> needs regex=\"all|any|xor\" on its condition",
                    );
                }
                let expression = self.expression(node, expression_child);
                match self.field_test(node, expression) {
                    Some(t) => Test::Field(t),
                    None => Test::Always,
                }
            }
        };
        Condition {
            test,
            time,
            break_on,
            require_nested,
            actions,
            anti_actions,
            nested,
            location,
        }
    }

    fn regex_item(&mut self, node: Node<'_, 'input>) -> RegexItem {
        self.check_attrs(node, &REGEX_ATTRS, true);
        let mut expression_child = None;
        for child in self.elements(node) {
            if child.tag_name().name() == "expression" && expression_child.is_none() {
                expression_child = Some(child);
            } else {
                self.unknown_element(child, "regex", "a single <expression>");
            }
        }
        let time = self.time_spec(node);
        let expression = self.expression(node, expression_child);
        let test = self.field_test(node, expression);
        RegexItem {
            test,
            time,
            location: self.loc(node),
        }
    }

    fn action(&mut self, node: Node<'_, 'input>) -> Option<Action> {
        let tag = node.tag_name().name().to_string();
        self.check_attrs(node, &ACTION_ATTRS, false);
        let mut text = String::new();
        for child in node.children() {
            match child.node_type() {
                NodeType::Text => text.push_str(child.text().unwrap_or_default()),
                NodeType::Element => {
                    let name = child.tag_name().name().to_string();
                    self.error_at(child, format!("unexpected element <{name}> inside <{tag}>"));
                }
                _ => {}
            }
        }
        let text = text.trim();
        let data = match (node.attribute("data"), text.is_empty()) {
            (Some(d), true) => d.to_string(),
            (None, _) => text.to_string(),
            (Some(d), false) => {
                self.error_at(
                    node,
                    format!("<{tag}> has both a data attribute and text content"),
                );
                d.to_string()
            }
        };
        let inline = self.bool_attr(node, "inline", false);
        let repeat = match node.attribute("loop") {
            None => 1,
            Some(v) => match v.trim().parse::<u32>() {
                Ok(n) => n,
                Err(_) => {
                    let line = self.attr_line(node, "loop");
                    self.error(line, format!("loop=\"{v}\" is not a count"));
                    1
                }
            },
        };
        match node.attribute("application") {
            Some(app) if !app.trim().is_empty() => Some(Action {
                application: app.trim().to_string(),
                data,
                inline,
                repeat,
                location: self.loc(node),
            }),
            _ => {
                self.error_at(node, format!("<{tag}> without application"));
                None
            }
        }
    }
}
