# The finite tangent kernel against its infinite-width limit (make kernel-convergence):
# the relative Frobenius distance ‖K_n − K∞‖_F / ‖K∞‖_F (mean ± std over the seeds)
# against the hidden width n, log-log, one line per layer with its fitted slope,
# and a reference line ∝ 1/√n. Reads the CSV of ntk-kernel-convergence:
#   gnuplot -c plots/kernel-distance-vs-width.gp distances.csv OUTPUT svg|png
# Conventions as in sweep-common.gp: colours, shapes, fonts, PNG at twice the SVG's size.

if (ARGC < 3) {
  print sprintf("usage: gnuplot -c %s distances.csv output.svg|output.png svg|png", ARG0)
  exit status 2
}
table = ARG1
output = ARG2
format = ARG3

set datafile separator comma
set datafile columnheaders

# --- what the table holds ----------------------------------------------------
# The layers (as first seen) with their slopes, the widths, the extremes, and
# the parameters of the run (the same on every row).
array layers[100]
array slopes[100]
array x_values[100]
lines = 0
seen_lines = '|'
xs = 0
seen_xs = '|'
ymin = 1e300; ymax = 0
top_at_widest = 0
widest = 0
d = ''; depth = ''; samples = ''; seeds = ''
add_line(l) = strstrt(seen_lines, '|'.l.'|') > 0 ? 0 : \
  (lines = lines + 1, layers[lines] = l, slopes[lines] = column('fitted_slope'), seen_lines = seen_lines.l.'|', 0)
add_x(x) = strstrt(seen_xs, sprintf('|%g|', x)) > 0 ? 0 : (xs = xs + 1, x_values[xs] = x, seen_xs = seen_xs.sprintf('%g|', x), 0)
std(dummy) = strcol('relative_distance_std') eq '' ? 0 : column('relative_distance_std')
low(dummy) = column('relative_distance_mean') - std(0) > column('relative_distance_mean') / 10 ? \
  column('relative_distance_mean') - std(0) : column('relative_distance_mean') / 10
high(dummy) = column('relative_distance_mean') + std(0)
extremes(dummy) = (ymin = low(0) < ymin ? low(0) : ymin, ymax = high(0) > ymax ? high(0) : ymax, \
  widest = column('width') > widest ? column('width') : widest, 0)
note(dummy) = (d = strcol('d'), depth = strcol('depth'), samples = strcol('samples'), seeds = strcol('n_seeds'), 0)
scan(dummy) = (note(0), add_line(strcol('layer')), add_x(column('width')), extremes(0), 0)
stats table using (scan(0)) nooutput
if (lines == 0) {
  print sprintf("%s: no rows", table)
  exit status 1
}
# The highest mean at the widest width anchors the reference line.
at_widest(dummy) = column('width') == widest && column('relative_distance_mean') > top_at_widest ? \
  (top_at_widest = column('relative_distance_mean'), 0) : 0
stats table using (at_widest(0)) nooutput

# --- the figure --------------------------------------------------------------
fontsize = format eq 'svg' ? 14 : 28
font(delta) = sprintf('Helvetica,%d', fontsize + delta * (format eq 'svg' ? 1 : 2))
if (format eq 'svg') {
  set terminal svg size 800,600 dynamic enhanced font font(0) linewidth 1.2 background rgb 'white'
} else {
  if (strstrt(GPVAL_TERMINALS, ' pngcairo ') > 0) {
    set terminal pngcairo size 1600,1200 enhanced font font(0) linewidth 2.4 background rgb 'white'
  } else {
    set terminal png size 1600,1200 enhanced font font(0) linewidth 2.4 background rgb 'white'
  }
}
set output output

# Colour-blind-safe colours (Okabe–Ito) and distinct point shapes, one per line.
array colours[8] = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#D55E00', '#56B4E9', '#000000', '#F0E442']
array shapes[8] = [7, 5, 9, 13, 11, 15, 7, 5]
do for [i=1:lines] {
  set style line i lc rgb colours[(i - 1) % 8 + 1] pt shapes[(i - 1) % 8 + 1] ps 1.3 lw 1.5
}
set style line 100 lc rgb '#777777' dt 2 lw 1.5

xmin = x_values[1]; xmax = x_values[1]
do for [i=2:xs] { xmin = x_values[i] < xmin ? x_values[i] : xmin; xmax = x_values[i] > xmax ? x_values[i] : xmax }
set logscale x 2
set xrange [xmin / 2**0.3 : xmax * 2**0.3]
set xtics () nomirror out
do for [i=1:xs] { set xtics add (sprintf('%g', x_values[i]) x_values[i]) }
set mxtics 1
set logscale y 10
# Room above the lines for the key.
ylow = ymin / 1.5; yhigh = ymax * 1.5
set yrange [ylow : yhigh]
# Labelled ticks at round values, written as decimals (0.05, 0.2): powers of ten over more than three
# decades, else 1, 2 and 5 times them (three a decade), and finer within a decade, so that at least two
# are in view (the range spans a factor 2.25 at least).
decades = log10(yhigh / ylow)
mantissas = decades > 3 ? '1' : decades > 1 ? '1 2 5' : decades > 0.5 ? '1 1.5 2 3 5 7' : '1 1.2 1.5 2 2.5 3 4 5 6 8'
set ytics () nomirror out
do for [e=floor(log10(ylow)):ceil(log10(yhigh))] {
  do for [j=1:words(mantissas)] {
    tick = real(word(mantissas, j)) * 10.0**e
    if (tick >= ylow && tick <= yhigh) { set ytics add (sprintf('%g', tick) tick) }
  }
}
set mytics 10
set border 3 lw 1
set grid xtics ytics mytics lc rgb '#e6e6e6' lw 1, lc rgb '#f2f2f2' lw 1
set xlabel 'hidden width n (hidden widths '.(depth eq '1' ? 'n' : depth eq '2' ? 'n,n' : 'n,…,n').')'
set ylabel '‖K_n − K_∞‖_F / ‖K_∞‖_F'
set title "The finite tangent kernel against its infinite-width limit\n{/*0.8 ".\
  sprintf('d = %s, N = %s inputs, depth %s; mean ± std over %s seeds', d, samples, depth, seeds).'}' enhanced
# The legend below the axes, in two columns of `rows` (the lines and the reference): inside the axes
# it would cover lines and error bars. Each row takes 0.04 of the height; the axes end above the rows
# and the x label.
rows = ceil((lines + 1) / 2.0)
set key at screen 0.5, screen 0.015 center bottom vertical maxrows rows reverse Left samplen 2.5 width 1 \
  noenhanced nobox
set bmargin at screen 0.16 + 0.04 * rows
set lmargin at screen 0.14; set rmargin at screen 0.96
set errorbars small

# A small shift of each line along x (in octaves) keeps error bars apart.
shift(i) = 2**((i - (lines + 1) / 2.0) * 0.04)
on_line(i) = strcol('layer') eq layers[i]
signed(x) = x < 0 ? sprintf('−%.2f', -x) : sprintf('%.2f', x)
line_title(i) = (layers[i] eq 'all' ? 'all layers' : 'layer '.layers[i]).' (slope '.signed(slopes[i]).')'
reference = 1.6 * top_at_widest * sqrt(widest)
plot for [i=1:lines] table \
    using (on_line(i) ? column('width') * shift(i) : NaN):(on_line(i) ? column('relative_distance_mean') : NaN) \
          :(low(0)):(high(0)) with yerrorlines ls i title line_title(i), \
  reference / sqrt(x) with lines ls 100 title '∝ 1/√n (slope −0.5)'
