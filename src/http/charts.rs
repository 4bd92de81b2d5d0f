//! Small SVG charts drawn on the server for the staff report page: no
//! script, readable on a slow phone, printable. Every label is escaped.
use std::fmt::Write;

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn empty(title: &str) -> String {
    format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 400 40" role="img" aria-label="{t}"><text x="8" y="24" font-size="13">没有数据 No data</text></svg>"#,
        t = esc(title)
    )
}

/// A column per label (tips per month): the value sits on each column.
pub fn columns(title: &str, data: &[(String, i64)]) -> String {
    if data.is_empty() {
        return empty(title);
    }
    let max = data.iter().map(|d| d.1).max().unwrap_or(0).max(1) as f64;
    let (bar, gap, height, top, bottom) = (34.0, 10.0, 160.0, 20.0, 36.0);
    let width = 20.0 + data.len() as f64 * (bar + gap);
    let mut s = format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {h}" width="{width}" height="{h}" role="img" aria-label="{t}" class="chart">"#,
        h = top + height + bottom,
        t = esc(title)
    );
    for (i, (label, v)) in data.iter().enumerate() {
        let x = 10.0 + i as f64 * (bar + gap);
        let h = *v as f64 / max * height;
        let y = top + height - h;
        let _ = write!(
            s,
            r##"<rect x="{x}" y="{y:.1}" width="{bar}" height="{h:.1}" fill="#a31d1d"><title>{l}: {v}</title></rect><text x="{cx}" y="{ty:.1}" font-size="13" text-anchor="middle">{v}</text><text x="{cx}" y="{ly}" font-size="13" text-anchor="middle">{l}</text>"##,
            cx = x + bar / 2.0,
            ty = y - 4.0,
            ly = top + height + 18.0,
            l = esc(label),
        );
    }
    s.push_str("</svg>");
    s
}

/// A horizontal bar per label (cases by status).
pub fn bars(title: &str, data: &[(String, i64)]) -> String {
    if data.is_empty() {
        return empty(title);
    }
    let max = data.iter().map(|d| d.1).max().unwrap_or(0).max(1) as f64;
    let (row, label_w, bar_w) = (22.0, 96.0, 200.0);
    let mut s = format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" aria-label="{t}" class="chart">"#,
        w = label_w + bar_w + 40.0,
        h = data.len() as f64 * row + 8.0,
        t = esc(title)
    );
    for (i, (label, v)) in data.iter().enumerate() {
        let y = 4.0 + i as f64 * row;
        let w = (*v as f64 / max * bar_w).max(1.0);
        let _ = write!(
            s,
            r##"<text x="{lx}" y="{ty}" font-size="12" text-anchor="end">{l}</text><rect x="{label_w}" y="{y}" width="{w:.1}" height="16" fill="#4a6b8a"><title>{l}: {v}</title></rect><text x="{vx:.1}" y="{ty}" font-size="12">{v}</text>"##,
            lx = label_w - 6.0,
            ty = y + 12.5,
            vx = label_w + w + 4.0,
            l = esc(label),
        );
    }
    s.push_str("</svg>");
    s
}

/// A district × bureau grid; darker cells have more overdue notices.
pub fn heat_map(
    title: &str,
    rows: &[String],
    cols: &[String],
    cells: &[(usize, usize, i64)],
) -> String {
    if rows.is_empty() || cols.is_empty() {
        return empty(title);
    }
    let max = cells.iter().map(|c| c.2).max().unwrap_or(0).max(1) as f64;
    let (cell, label_w, head_h) = (56.0, 110.0, 70.0);
    let mut s = format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" aria-label="{t}" class="chart">"#,
        // Room on the right for the last column's slanted name.
        w = label_w + cols.len() as f64 * cell + 70.0,
        h = head_h + rows.len() as f64 * cell * 0.5 + 4.0,
        t = esc(title)
    );
    for (j, c) in cols.iter().enumerate() {
        let x = label_w + j as f64 * cell + cell / 2.0;
        let _ = write!(
            s,
            r#"<text x="{x}" y="{y}" font-size="11" text-anchor="start" transform="rotate(-35 {x} {y})">{c}</text>"#,
            y = head_h - 6.0,
            c = esc(c)
        );
    }
    let h = cell * 0.5;
    for (i, r) in rows.iter().enumerate() {
        let y = head_h + i as f64 * h;
        let _ = write!(
            s,
            r#"<text x="{lx}" y="{ty}" font-size="12" text-anchor="end">{r}</text>"#,
            lx = label_w - 6.0,
            ty = y + h / 2.0 + 4.0,
            r = esc(r)
        );
        for (j, col) in cols.iter().enumerate() {
            let v = cells
                .iter()
                .find(|c| c.0 == i && c.1 == j)
                .map(|c| c.2)
                .unwrap_or(0);
            // White at zero, the page's red at the maximum.
            let t = v as f64 / max;
            let (r0, g0, b0) = (163.0, 29.0, 29.0);
            let mix = |c: f64| (255.0 - (255.0 - c) * t).round() as u8;
            let _ = write!(
                s,
                r##"<rect x="{x}" y="{y}" width="{cw}" height="{ch}" fill="rgb({r},{g},{b})" stroke="#d0d5da"><title>{rl} × {cl}: {v}</title></rect><text x="{tx}" y="{ty}" font-size="11" text-anchor="middle" fill="{fg}">{v}</text>"##,
                x = label_w + j as f64 * cell,
                cw = cell,
                ch = h,
                r = mix(r0),
                g = mix(g0),
                b = mix(b0),
                rl = esc(r),
                cl = esc(col),
                tx = label_w + j as f64 * cell + cell / 2.0,
                ty = y + h / 2.0 + 4.0,
                fg = if t > 0.5 { "#fff" } else { "#1d2329" },
            );
        }
    }
    s.push_str("</svg>");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_escaped_and_values_drawn() {
        let svg = columns("t", &[("<script>".into(), 3), ("2019-02".into(), 0)]);
        assert!(svg.contains("&lt;script&gt;") && !svg.contains("<script>"));
        assert!(svg.contains(">3</text>"));
        let svg = bars("t", &[("受理".into(), 5)]);
        assert!(svg.contains("受理: 5"));
    }

    #[test]
    fn heat_map_shades_by_count() {
        let svg = heat_map(
            "t",
            &["宝安区".into(), "南山区".into()],
            &["市工业和信息化局".into()],
            &[(0, 0, 4), (1, 0, 2)],
        );
        assert!(
            svg.contains("rgb(163,29,29)"),
            "the maximum is the full colour"
        );
        assert!(svg.contains("南山区 × 市工业和信息化局: 2"));
        assert!(empty("x").contains("没有数据"));
        assert!(heat_map("t", &[], &[], &[]).contains("没有数据"));
    }
}
