//! Tables as virsh 9 prints them: each column as wide as its widest cell,
//! cells led by one space and separated by two more, the last column not
//! padded, and a dashed rule under the header. In quiet mode the header is
//! neither printed nor counted in the widths.

/// A table being filled row by row.
#[derive(Debug, Default)]
pub struct Table {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    /// A table with these column titles.
    pub fn new(header: &[&str]) -> Self {
        Table {
            header: header.iter().map(|s| s.to_string()).collect(),
            rows: Vec::new(),
        }
    }

    /// Add a row (missing cells print empty).
    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    /// The table's text; `with_header` false is virsh's quiet mode.
    pub fn render(&self, with_header: bool) -> String {
        let n = self.header.len();
        let width = |s: &str| s.chars().count();
        let mut widths = vec![0usize; n];
        let counted = self.rows.iter().chain(with_header.then_some(&self.header));
        for r in counted {
            for (i, c) in r.iter().enumerate().take(n) {
                widths[i] = widths[i].max(width(c));
            }
        }
        let line = |out: &mut String, r: &[String]| {
            for (i, w) in widths.iter().enumerate() {
                let c = r.get(i).map(String::as_str).unwrap_or("");
                out.push(' ');
                out.push_str(c);
                if i + 1 < n {
                    out.push_str(&" ".repeat(w.saturating_sub(width(c)) + 2));
                }
            }
            out.push('\n');
        };
        let mut out = String::new();
        if with_header {
            line(&mut out, &self.header);
            out.push_str(&"-".repeat(widths.iter().sum::<usize>() + 3 * n));
            out.push('\n');
        }
        for r in &self.rows {
            line(&mut out, r);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widths_follow_the_widest_cell() {
        let mut t = Table::new(&["Id", "Name", "State"]);
        t.row(vec!["1".into(), "test".into(), "running".into()]);
        assert_eq!(
            t.render(true),
            " Id   Name   State\n----------------------\n 1    test   running\n"
        );
        t.row(vec![
            "-".into(),
            "a-much-longer-name".into(),
            "shut off".into(),
        ]);
        assert_eq!(
            t.render(true),
            " Id   Name                 State\n-------------------------------------\n 1    test                 running\n -    a-much-longer-name   shut off\n"
        );
        let empty = Table::new(&["Id", "Name", "State"]);
        assert_eq!(
            empty.render(true),
            " Id   Name   State\n--------------------\n"
        );
    }

    #[test]
    fn quiet_mode_drops_the_header_from_widths() {
        let mut t = Table::new(&["Id", "Name", "State"]);
        t.row(vec!["1".into(), "test".into(), "running".into()]);
        assert_eq!(t.render(false), " 1   test   running\n");
    }
}
