//! Plain-text tables for the load summary: each column as wide as its widest cell, the first
//! left-aligned and the others (figures) right-aligned, so long endpoint keys never push a
//! row out of line.

/// Renders `header` and `rows` (each as many cells as the header) as aligned lines.
pub(super) fn render(header: &[&str], rows: &[Vec<String>]) -> String {
    let widths: Vec<usize> = (0..header.len())
        .map(|i| {
            rows.iter()
                .map(|r| r[i].chars().count())
                .chain([header[i].len()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |cells: Vec<&str>| {
        let mut out = String::new();
        for (i, (cell, width)) in cells.iter().zip(&widths).enumerate() {
            let pad = " ".repeat(width - cell.chars().count());
            if i == 0 {
                out.push_str(cell);
                out.push_str(&pad);
            } else {
                out.push_str("  ");
                out.push_str(&pad);
                out.push_str(cell);
            }
        }
        out.trim_end().to_string() + "\n"
    };
    let mut out = line(header.to_vec());
    for row in rows {
        out.push_str(&line(row.iter().map(String::as_str).collect()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_align_whatever_the_widths() {
        let rows = vec![
            vec!["GET a.test/very/long/path/indeed".into(), "7".into()],
            vec!["POST b".into(), "12345".into()],
        ];
        let text = render(&["endpoint", "requests"], &rows);
        let ends: Vec<usize> = text.lines().map(|l| l.chars().count()).collect();
        assert!(ends.windows(2).all(|w| w[0] == w[1]), "{text}");
        assert!(text.lines().nth(2).unwrap().starts_with("POST b "));
    }
}
