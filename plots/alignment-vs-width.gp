# Kernel–target alignment against the student's width (make width-sweep): the
# centred alignment A_c = y_cᵀK_c y_c/(‖K_c‖_F ‖y_c‖²) of each step's kernel on
# its training set (ntk-spectrum), mean ± std over the teacher seeds, per layer;
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
# The kernels in the sweep, in the order K0, K_infinite, K_trained.
all_kernels = 'K0 K_infinite K_trained'
has_kernel = '|'
note_kernel(m) = strstrt(m, 'centred_alignment_') == 1 ? \
  (add_step(strcol('step')), has_kernel = has_kernel.m[19:].'|', 0) : 0
stats measures using (note_kernel(strcol('measure'))) nooutput
if (lines == 0) {
  print sprintf("%s: no alignments (made by ntk-spectrum, spectrum.h5)", measures)
  exit status 1
}
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
array colours[8] = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#D55E00', '#56B4E9', '#000000', '#F0E442']
do for [i=1:lines] { set style line i lc rgb colours[(i - 1) % 8 + 1] pt 7 ps 1.2 lw 1.5 }
set logscale x 2
set border 3
set xtics nomirror out
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
set multiplot title "Centred kernel–target alignment A_c of each step's kernel on its training set\n{/*0.8 mean ± std over the teacher seeds}"
set bmargin at screen 0.25; set tmargin at screen 0.80
do for [k=1:panels] {
  kernel = word(kernels, k)
  measure = 'centred_alignment_'.kernel
  set lmargin at screen 0.07 + (k - 1) * (panel_width + 0.06); set rmargin at screen 0.07 + k * panel_width + (k - 1) * 0.06
  set title kernel_title(kernel) enhanced
  if (k > 1) { unset ylabel } else { set ylabel 'A_c' }
  if (panels > 2) { set xlabel 'width w' }
  plot for [i=1:lines] measures using (on(i, measure) ? column('width') : NaN):(on(i, measure) ? column('mean') : NaN) \
    :(std('std')) with yerrorlines ls i title 'layer '.line_step[i]
}
unset title; unset xlabel; unset ylabel; unset border; unset tics; unset grid; unset logscale
set key center center horizontal maxrows 1 reverse Left samplen 2 width 2 noenhanced nobox
set lmargin at screen 0; set rmargin at screen 1; set bmargin at screen 0; set tmargin at screen 0.1
set xrange [0:1]; set yrange [0:1]
plot for [i=1:lines] NaN with linespoints ls i title 'layer '.line_step[i]
unset multiplot
