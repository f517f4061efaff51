//! The `<global-variables>` section of the configuration: the initial
//! `$${name}` values.
//!
//! ```xml
//! <global-variables>
//!   <variable name="domain" value="acme.test"/>
//!   <variable name="crm_url" value="https://crm.example/hook"/>
//! </global-variables>
//! ```

/// One `<variable name=".." value=".."/>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GlobalVariable {
    /// The name (`$${name}`).
    pub name: String,
    /// The value (may be empty).
    pub value: String,
}

/// Whether `name` can name a global variable: not empty, at most 128
/// characters, no whitespace, `=`, `$`, `{` or `}`.
pub fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 128
        && !name
            .chars()
            .any(|c| c.is_whitespace() || matches!(c, '=' | '$' | '{' | '}'))
}

/// Reads the children of a `<global-variables>` element into `out`;
/// each problem is reported through `error(line, message)`.
pub(super) fn parse(
    section: roxmltree::Node<'_, '_>,
    line_of: impl Fn(roxmltree::Node<'_, '_>) -> u32,
    out: &mut Vec<GlobalVariable>,
    mut error: impl FnMut(u32, String),
) {
    for node in section.children().filter(|n| n.is_element()) {
        let line = line_of(node);
        if node.tag_name().name() != "variable" {
            error(
                line,
                format!(
                    "unexpected <{}> in <global-variables>; use <variable name=\"...\" value=\"...\"/>",
                    node.tag_name().name()
                ),
            );
            continue;
        }
        let (Some(name), Some(value)) = (node.attribute("name"), node.attribute("value")) else {
            error(
                line,
                "<variable> needs both a name and a value attribute".into(),
            );
            continue;
        };
        if !valid_name(name) {
            error(
                line,
                format!(
                    "'{name}' is not a global variable name (no spaces, '=', '$', '{{' or '}}')"
                ),
            );
            continue;
        }
        if out.iter().any(|v| v.name == name) {
            error(line, format!("global variable {name} is set twice"));
            continue;
        }
        out.push(GlobalVariable {
            name: name.to_owned(),
            value: value.to_owned(),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::super::Config;

    #[test]
    fn variables_are_read_in_order() {
        let config = Config::parse(
            "<switchyard>\n<global-variables>\n<variable name=\"domain\" value=\"acme.test\"/>\n\
             <variable name=\"empty\" value=\"\"/>\n</global-variables>\n</switchyard>",
            "x.xml",
        )
        .unwrap();
        let pairs: Vec<(&str, &str)> = config
            .global_variables
            .iter()
            .map(|v| (v.name.as_str(), v.value.as_str()))
            .collect();
        assert_eq!(pairs, [("domain", "acme.test"), ("empty", "")]);
    }

    #[test]
    fn bad_variables_are_reported_with_their_line() {
        let text = "<switchyard>\n<global-variables>\n<variable name=\"a b\" value=\"1\"/>\n\
                    <variable name=\"c\"/>\n<param name=\"d\" value=\"1\"/>\n\
                    <variable name=\"e\" value=\"1\"/>\n<variable name=\"e\" value=\"2\"/>\n\
                    </global-variables>\n</switchyard>";
        let errors = Config::parse(text, "s.xml").unwrap_err();
        let rendered: Vec<String> = errors.iter().map(ToString::to_string).collect();
        assert_eq!(rendered.len(), 4, "{rendered:#?}");
        assert!(rendered[0].starts_with("s.xml:3: 'a b' is not a global variable name"));
        assert!(rendered[1].starts_with("s.xml:4: <variable> needs both"));
        assert!(rendered[2].starts_with("s.xml:5: unexpected <param>"));
        assert!(rendered[3].starts_with("s.xml:7: global variable e is set twice"));
    }
}
