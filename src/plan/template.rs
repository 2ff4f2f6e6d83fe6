//! `{{variable}}` templates in scenario strings: finding placeholders and rendering them.
//!
//! A placeholder is `{{name}}` where `name` matches `[A-Za-z_][A-Za-z0-9_.-]*`; spaces inside
//! the braces are allowed and trimmed (`{{ flow_id }}`). An opening `{{` without its closing
//! `}}` is an error; a lone `}}` is literal text.

use std::ops::Range;

/// The placeholders of `s`, in order: the byte range of the whole `{{…}}` and the trimmed name.
///
/// Fails on an unclosed `{{` or a name that is not a valid variable name.
pub fn placeholders(s: &str) -> Result<Vec<(Range<usize>, &str)>, String> {
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(rel) = s[from..].find("{{") {
        let open = from + rel;
        let inner_start = open + 2;
        let Some(close_rel) = s[inner_start..].find("}}") else {
            return Err("unclosed `{{`, expected `}}` after the variable name".to_string());
        };
        let close = inner_start + close_rel;
        let name = s[inner_start..close].trim();
        if !is_variable_name(name) {
            return Err(format!(
                "invalid variable name `{name}` in `{}`, expected letters, digits, `_`, `.` or `-`, \
                 not starting with a digit",
                &s[open..close + 2]
            ));
        }
        found.push((open..close + 2, name));
        from = close + 2;
    }
    Ok(found)
}

/// Replaces every placeholder of `s` with `lookup(name)`.
///
/// Fails on a malformed template or when `lookup` knows no value for a variable; the error
/// names the variable (never its value).
pub fn render(s: &str, lookup: impl Fn(&str) -> Option<String>) -> Result<String, String> {
    let mut out = String::with_capacity(s.len());
    let mut last = 0;
    for (range, name) in placeholders(s)? {
        out.push_str(&s[last..range.start]);
        let value = lookup(name).ok_or_else(|| format!("undefined variable `{name}`"))?;
        out.push_str(&value);
        last = range.end;
    }
    out.push_str(&s[last..]);
    Ok(out)
}

/// Renders a regular expression: each placeholder becomes its value, escaped so that it
/// matches literally (`{{kratos_public_url}}` matches the URL, dots included, and nothing else).
pub fn render_regex(s: &str, lookup: impl Fn(&str) -> Option<String>) -> Result<String, String> {
    render(s, |name| lookup(name).map(|v| regex::escape(&v)))
}

/// Whether `name` matches `[A-Za-z_][A-Za-z0-9_.-]*`.
pub fn is_variable_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_placeholders_with_ranges_and_trimmed_names() {
        let s = "/flows?id={{flow_id}}&x={{ identity.alice.id }}";
        let found = placeholders(s).unwrap();
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].1, "flow_id");
        assert_eq!(&s[found[0].0.clone()], "{{flow_id}}");
        assert_eq!(found[1].1, "identity.alice.id");
        assert_eq!(&s[found[1].0.clone()], "{{ identity.alice.id }}");
    }

    #[test]
    fn plain_text_and_lone_closers_have_no_placeholders() {
        assert!(placeholders("no vars here }} {").unwrap().is_empty());
        assert!(placeholders("").unwrap().is_empty());
    }

    #[test]
    fn unclosed_placeholder_is_an_error() {
        let err = placeholders("/x/{{flow_id").unwrap_err();
        assert!(err.starts_with("unclosed `{{`"), "{err}");
        assert!(placeholders("{{a}} then {{").is_err());
    }

    #[test]
    fn invalid_names_are_errors() {
        assert!(
            placeholders("{{}}")
                .unwrap_err()
                .contains("invalid variable name ``")
        );
        assert!(placeholders("{{1abc}}").is_err());
        assert!(placeholders("{{a b}}").is_err());
        assert!(placeholders("{{a{{b}}").is_err());
        assert!(is_variable_name("_x.y-z9"));
        assert!(!is_variable_name("é"));
    }

    #[test]
    fn render_substitutes_and_names_undefined_variables() {
        let lookup = |name: &str| (name == "a").then(|| "1".to_string());
        assert_eq!(render("x{{a}}y{{ a }}", lookup).unwrap(), "x1y1");
        assert_eq!(render("plain", lookup).unwrap(), "plain");
        assert_eq!(
            render("{{b}}", lookup).unwrap_err(),
            "undefined variable `b`"
        );
        assert!(render("{{a", lookup).unwrap_err().starts_with("unclosed"));
    }

    #[test]
    fn multibyte_text_around_placeholders_is_kept() {
        let out = render("é{{a}}ü", |_| Some("ß".into())).unwrap();
        assert_eq!(out, "éßü");
    }
}
