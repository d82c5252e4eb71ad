# Kernel–target alignment against the student's width (make width-sweep): the
# centred alignment A_c = y_cᵀK_c y_c/(‖K_c‖_F ‖y_c‖²) of each step's kernel on
# its training set (ntk-spectrum), mean ± std over the teacher seeds (or an imported data set's split
# seeds, the title naming the data set), per layer;
# one panel per kernel: K0 (at the step's network), and with their baselines K∞
# (the width's limit, flat) and K_T (after gradient descent). Log x.
# gnuplot -c plots/alignment-vs-width.gp report/summary.csv OUTPUT svg|png  (reads measures.csv beside it)
if (ARGC < 3) {
  print sprintf("usage: gnuplot -c %s report/summary.csv output.svg|output.png svg|png", ARG0)
  exit status 2
}
measures = ARG1[1:strlen(ARG1) - strlen('summary.csv')].'measures.csv'
output = ARG2
format = ARG3

set datafile separator comma
set datafile columnheaders
array line_step[50]
lines = 0
seen = '|'
add_step(s) = strstrt(seen, '|'.s.'|') > 0 ? 0 : (lines = lines + 1, line_step[lines] = s, seen = seen.s.'|', 0)
# The widths, ticked on the x axis.
array x_values[100]
xs = 0
seen_xs = '|'
add_x(x) = strstrt(seen_xs, sprintf('|%g|', x)) > 0 ? 0 : (xs = xs + 1, x_values[xs] = x, seen_xs = seen_xs.sprintf('%g|', x), 0)
# The kernels in the sweep, in the order K0, K_infinite, K_trained.
all_kernels = 'K0 K_infinite K_trained'
has_kernel = '|'
note_kernel(m) = strstrt(m, 'centred_alignment_') == 1 ? \
  (add_step(strcol('step')), add_x(column('width')), has_kernel = has_kernel.m[19:].'|', 0) : 0
stats measures using (note_kernel(strcol('measure'))) nooutput
if (lines == 0) {
  print sprintf("%s: no alignments (made by ntk-spectrum, spectrum.h5)", measures)
  exit status 1
}
# A name as text in an enhanced title: '_' escaped (a file name's underscore is no subscript).
plain(s) = strstrt(s, '_') > 0 ? s[1:strstrt(s, '_') - 1].'\_'.plain(s[strstrt(s, '_') + 1:]) : s
# Over an imported data set (column data_set), its name; its seeds are split seeds.
data_set = ''
stats measures using (data_set = strcol('data_set'), 0) nooutput
over_seeds = data_set eq '' ? 'the teacher seeds' : 'the split seeds; data set '.plain(data_set)
kernels = ''
do for [k=1:words(all_kernels)] {
  if (strstrt(has_kernel, '|'.word(all_kernels, k).'|') > 0) { kernels = kernels.' '.word(all_kernels, k) }
}
kernel_title(k) = k eq 'K0' ? 'K_0, at the step''s network' : k eq 'K_infinite' ? 'K_∞, infinite width' : \
  k eq 'K_trained' ? 'K_T, after gradient descent' : k

fontsize = format eq 'svg' ? 14 : 28
if (format eq 'svg') {
  set terminal svg size 1100,480 dynamic enhanced font sprintf('Helvetica,%d', fontsize) background rgb 'white'
} else {
  set terminal pngcairo size 2200,960 enhanced font sprintf('Helvetica,%d', fontsize) linewidth 2.4 background rgb 'white'
}
set output output
# Colours (Okabe–Ito), point shapes and dashes differ from line to line, and each line is shifted a little
# along x: lines of nearly equal values (K∞'s of the steps) stay apart.
array colours[8] = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#D55E00', '#56B4E9', '#000000', '#F0E442']
array shapes[8] = [7, 5, 9, 13, 11, 15, 7, 5]
array dashes[4] = [1, 2, 4, 5]
do for [i=1:lines] {
  set style line i lc rgb colours[(i - 1) % 8 + 1] pt shapes[(i - 1) % 8 + 1] ps 1.3 lw 1.5 dt dashes[(i - 1) % 4 + 1]
}
shift(i) = 2**((i - (lines + 1) / 2.0) * 0.05)
xmin = x_values[1]; xmax = x_values[1]
do for [i=2:xs] { xmin = x_values[i] < xmin ? x_values[i] : xmin; xmax = x_values[i] > xmax ? x_values[i] : xmax }
set logscale x 2
set xrange [xmin / 2**0.3 : xmax * 2**0.3]
set border 3
# Ticks at the widths, as the other width plots.
set xtics () nomirror out
do for [i=1:xs] { set xtics add (sprintf('%g', x_values[i]) x_values[i]) }
set mxtics 1
set ytics nomirror out
set grid lc rgb '#e6e6e6'
set xlabel 'student hidden width w (widths w,w)'
set errorbars small
set yrange [0:*]
std(name) = strcol(name) eq '' ? 0 : column(name)
on(i, name) = strcol('step') eq line_step[i] && strcol('measure') eq name
unset key
# The panels side by side in screen coordinates, 0.06 apart, and one legend in a row below them (the
# panels' lines keep their titles, unshown, in the SVG).
panels = words(kernels)
panel_width = (0.965 - 0.07 - 0.06 * (panels - 1)) / panels
set multiplot title "Centred kernel–target alignment A_c of each step's kernel on its training set\n".\
  "{/*0.8 mean ± std over ".over_seeds."}"
set bmargin at screen 0.25; set tmargin at screen 0.80
do for [k=1:panels] {
  kernel = word(kernels, k)
  measure = 'centred_alignment_'.kernel
  set lmargin at screen 0.07 + (k - 1) * (panel_width + 0.06); set rmargin at screen 0.07 + k * panel_width + (k - 1) * 0.06
  set title kernel_title(kernel) enhanced
  # From 0, unless the panel's lines lie within a band narrower than a fifth of their height (K∞'s, flat
  # in the width and nearly equal from step to step): then the band, padded, so that they stay apart.
  low = 1e300; high = -1e300
  stats measures using (strcol('measure') eq measure ? \
    (low = column('mean') - std('std') < low ? column('mean') - std('std') : low, \
     high = column('mean') + std('std') > high ? column('mean') + std('std') : high, 0) : 0) nooutput
  if (high - low < 0.2 * high) {
    set yrange [low - 0.5 * (high - low) - 1e-3 * high : high + 0.5 * (high - low) + 1e-3 * high]
  } else {
    set yrange [0:*]
  }
  if (k > 1) { unset ylabel } else { set ylabel 'A_c' }
  if (panels > 2) { set xlabel 'width w' }
  plot for [i=1:lines] measures \
    using (on(i, measure) ? column('width') * shift(i) : NaN):(on(i, measure) ? column('mean') : NaN):(std('std')) \
    with yerrorlines ls i title 'layer '.line_step[i]
}
unset title; unset xlabel; unset ylabel; unset border; unset tics; unset grid; unset logscale
set key center center horizontal maxrows 1 reverse Left samplen 2 width 2 noenhanced nobox
set lmargin at screen 0; set rmargin at screen 1; set bmargin at screen 0; set tmargin at screen 0.1
set xrange [0:1]; set yrange [0:1]
plot for [i=1:lines] NaN with linespoints ls i title 'layer '.line_step[i]
unset multiplot
