//! Small charts drawn by the app: grouped bars and lines in SVG, and horizontal bars in
//! HTML for groups with long names.

use yew::prelude::*;

#[derive(Clone, Debug, PartialEq)]
pub struct Series {
    pub name: String,
    pub values: Vec<f64>,
}

#[derive(Properties, PartialEq)]
pub struct ChartProps {
    pub title: AttrValue,
    /// One label per position on the x axis.
    pub labels: Vec<String>,
    pub series: Vec<Series>,
    /// Format of the y axis values.
    #[prop_or(false)]
    pub percent: bool,
}

const W: f64 = 520.0;
const H: f64 = 256.0;
const LEFT: f64 = 48.0;
const RIGHT: f64 = 12.0;
const TOP: f64 = 16.0;
const BOTTOM: f64 = 72.0;

fn nice_max(max: f64, percent: bool) -> f64 {
    if percent {
        return 1.0;
    }
    if max <= 0.0 {
        return 1.0;
    }
    let magnitude = 10f64.powf(max.log10().floor());
    let n = max / magnitude;
    let nice = if n <= 1.0 {
        1.0
    } else if n <= 2.0 {
        2.0
    } else if n <= 5.0 {
        5.0
    } else {
        10.0
    };
    nice * magnitude
}

/// An axis or tooltip value in the interface's language (`Intl.NumberFormat`).
fn tick_label(v: f64, percent: bool) -> String {
    if percent {
        crate::format::percent(Some(v))
    } else if v >= 100.0 {
        crate::format::number(v.round())
    } else {
        crate::format::number(v)
    }
}

fn axes(max: f64, percent: bool) -> Html {
    let plot_h = H - TOP - BOTTOM;
    html! {
        <g class="axis">
            { for (0..=4).map(|i| {
                let v = max * f64::from(i) / 4.0;
                let y = TOP + plot_h - plot_h * f64::from(i) / 4.0;
                html! {
                    <g>
                        <line x1={LEFT.to_string()} x2={(W - RIGHT).to_string()} y1={y.to_string()} y2={y.to_string()} class="grid" />
                        <text x={(LEFT - 6.0).to_string()} y={(y + 4.0).to_string()} text-anchor="end">{ tick_label(v, percent) }</text>
                    </g>
                }
            }) }
        </g>
    }
}

/// About the width of a character of the axis text (14 px), in the chart's units.
const CHAR_W: f64 = 7.8;

/// `label` cut to `max` characters, with an ellipsis when cut.
fn shorten(label: &str, max: usize) -> String {
    if label.chars().count() <= max {
        label.to_owned()
    } else {
        let mut text: String = label.chars().take(max.saturating_sub(1)).collect();
        text.push('…');
        text
    }
}

/// The x axis labels: level while they fit their slot, slanted when they do not, cut with
/// an ellipsis if still too long; each carries its whole text as a tooltip.
fn x_labels(labels: &[String], slot: f64) -> Html {
    let every = (labels.len() / 12).max(1);
    let room = slot * every as f64;
    let longest = labels.iter().map(|l| l.chars().count()).max().unwrap_or(0);
    let slanted = longest as f64 * CHAR_W > room - 4.0;
    // Slanted at 35°: the text runs down-left from under its bar, within the bottom margin.
    let max_chars = if slanted {
        ((BOTTOM - 10.0) / 0.574 / CHAR_W).floor() as usize
    } else {
        longest
    }
    .max(4);
    html! {
        <g class="axis">
            { for labels.iter().enumerate().filter(|(i, _)| i % every == 0).map(|(i, label)| {
                let x = LEFT + slot * (i as f64 + 0.5);
                let y = H - BOTTOM + 16.0;
                // Slanted text must not run past the chart's left edge either.
                let fits = if slanted { ((x + 6.0) / 0.819 / CHAR_W).floor() as usize } else { max_chars };
                let text = shorten(label, max_chars.min(fits).max(4));
                if slanted {
                    html! {
                        <text x={x.to_string()} y={y.to_string()} text-anchor="end"
                            transform={format!("rotate(-35 {x} {y})")}>
                            <title>{ label.clone() }</title>{ text }
                        </text>
                    }
                } else {
                    html! {
                        <text x={x.to_string()} y={y.to_string()} text-anchor="middle">
                            <title>{ label.clone() }</title>{ text }
                        </text>
                    }
                }
            }) }
        </g>
    }
}

fn legend(series: &[Series]) -> Html {
    html! {
        <ul class="legend">
            { for series.iter().enumerate().map(|(i, s)| html! {
                <li><span class={format!("swatch s{}", i % 6)} aria-hidden="true"></span>{ s.name.clone() }</li>
            }) }
        </ul>
    }
}

/// A table of the same numbers, for screen readers. Hidden by a wrapper: a table ignores
/// `overflow: hidden`, and its cells would make a narrow page scroll sideways.
fn data_table(props: &ChartProps) -> Html {
    html! {
        <div class="sr-only">
        <table>
            <caption>{ props.title.clone() }</caption>
            <thead><tr><th>{ "" }</th>{ for props.series.iter().map(|s| html! { <th>{ s.name.clone() }</th> }) }</tr></thead>
            <tbody>
                { for props.labels.iter().enumerate().map(|(i, label)| html! {
                    <tr><th>{ label.clone() }</th>
                    { for props.series.iter().map(|s| html! { <td>{ s.values.get(i).map(|v| tick_label(*v, props.percent)).unwrap_or_default() }</td> }) }
                    </tr>
                }) }
            </tbody>
        </table>
        </div>
    }
}

/// The top of the value axis: a round number at or above every value the chart shows.
fn axis_max(props: &ChartProps) -> f64 {
    let max = props
        .series
        .iter()
        .flat_map(|s| s.values.iter().copied())
        .fold(0.0, f64::max);
    nice_max(max, props.percent)
}

#[function_component]
pub fn BarChart(props: &ChartProps) -> Html {
    let n = props.labels.len().max(1);
    let max = axis_max(props);
    let plot_w = W - LEFT - RIGHT;
    let plot_h = H - TOP - BOTTOM;
    let slot = plot_w / n as f64;
    let groups = props.series.len().max(1) as f64;
    let bar_w = (slot * 0.8 / groups).max(1.0);
    html! {
        <figure class="chart">
            <figcaption>{ props.title.clone() }</figcaption>
            <svg viewBox={format!("0 0 {W} {H}")} role="img" aria-label={props.title.clone()} preserveAspectRatio="xMidYMid meet">
                { axes(max, props.percent) }
                { for props.series.iter().enumerate().map(|(si, s)| html! {
                    <g class={format!("s{}", si % 6)}>
                        { for s.values.iter().enumerate().map(|(i, v)| {
                            let h = (v / max).clamp(0.0, 1.0) * plot_h;
                            let x = LEFT + slot * i as f64 + slot * 0.1 + bar_w * si as f64;
                            let y = TOP + plot_h - h;
                            html! {
                                <rect x={x.to_string()} y={y.to_string()} width={bar_w.to_string()} height={h.to_string()}>
                                    <title>{ format!("{}: {} {}", props.labels.get(i).cloned().unwrap_or_default(), s.name, tick_label(*v, props.percent)) }</title>
                                </rect>
                            }
                        }) }
                    </g>
                }) }
                { x_labels(&props.labels, slot) }
            </svg>
            { legend(&props.series) }
            { data_table(props) }
        </figure>
    }
}

#[function_component]
pub fn LineChart(props: &ChartProps) -> Html {
    let n = props.labels.len().max(1);
    let max = axis_max(props);
    let plot_w = W - LEFT - RIGHT;
    let plot_h = H - TOP - BOTTOM;
    let slot = plot_w / n as f64;
    html! {
        <figure class="chart">
            <figcaption>{ props.title.clone() }</figcaption>
            <svg viewBox={format!("0 0 {W} {H}")} role="img" aria-label={props.title.clone()} preserveAspectRatio="xMidYMid meet">
                { axes(max, props.percent) }
                { for props.series.iter().enumerate().map(|(si, s)| {
                    let points: Vec<(f64, f64)> = s.values.iter().enumerate().map(|(i, v)| {
                        (LEFT + slot * (i as f64 + 0.5), TOP + plot_h - (v / max).clamp(0.0, 1.0) * plot_h)
                    }).collect();
                    let path = points.iter().map(|(x, y)| format!("{x:.1},{y:.1}")).collect::<Vec<_>>().join(" ");
                    html! {
                        <g class={format!("line s{}", si % 6)}>
                            <polyline points={path} fill="none" />
                            { for points.iter().enumerate().map(|(i, (x, y))| html! {
                                <circle cx={x.to_string()} cy={y.to_string()} r="3">
                                    <title>{ format!("{}: {} {}", props.labels.get(i).cloned().unwrap_or_default(), s.name, tick_label(s.values[i], props.percent)) }</title>
                                </circle>
                            }) }
                        </g>
                    }
                }) }
                { x_labels(&props.labels, slot) }
            </svg>
            { legend(&props.series) }
            { data_table(props) }
        </figure>
    }
}

/// Horizontal grouped bars, one row per label: the label is HTML text that wraps (two lines
/// at most, its whole text as a tooltip), so many or long names stay readable at any width.
#[function_component]
pub fn HBarChart(props: &ChartProps) -> Html {
    let max = axis_max(props);
    html! {
        <figure class="chart">
            <figcaption>{ props.title.clone() }</figcaption>
            <div class="hbar-rows" aria-hidden="true">
                { for props.labels.iter().enumerate().map(|(i, label)| html! {
                    <div class="hbar-row">
                        <div class="hbar-label" title={label.clone()}>{ label.clone() }</div>
                        <div class="hbar-bars">
                            { for props.series.iter().enumerate().map(|(si, s)| {
                                let v = s.values.get(i).copied().unwrap_or(0.0);
                                let width = (v / max).clamp(0.0, 1.0) * 100.0;
                                html! {
                                    <div class="hbar-track" title={format!("{label}: {} {}", s.name, tick_label(v, props.percent))}>
                                        <span class={format!("hbar s{}", si % 6)} style={format!("width: {width:.1}%")}></span>
                                        <span class="hbar-value">{ tick_label(v, props.percent) }</span>
                                    </div>
                                }
                            }) }
                        </div>
                    </div>
                }) }
            </div>
            { legend(&props.series) }
            { data_table(props) }
        </figure>
    }
}
