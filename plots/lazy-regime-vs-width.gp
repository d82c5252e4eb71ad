# How far gradient descent moved the trained layer, against the student's
# width (make width-sweep, BASELINES with trained): the relative weight change
# ‖θ_T − θ0‖_F/‖θ0‖_F and the kernel distance 1 − ⟨K0, K_T⟩/(‖K0‖‖K_T‖), per
# layer, log-log. In the lazy regime both shrink as the width grows.
# gnuplot -c plots/lazy-regime-vs-width.gp report/summary.csv OUTPUT svg|png  (reads measures.csv beside it)
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
# u's tangent kernel Z Zᵀ does not depend on u: its distance is 0 (to rounding) and is not drawn.
positive(v) = v > 1e-12 ? v : NaN
# (measures.csv also holds the spectra's alignments: only the trained baseline's measures count here.)
trained_measure(name) = name eq 'relative_weight_change' || name eq 'kernel_distance'
stats measures using (trained_measure(strcol('measure')) ? add_step(strcol('step')) : 0) nooutput
if (lines == 0) {
  print sprintf("%s: no measures (is the trained baseline in BASELINES?)", measures)
  exit status 1
}

fontsize = format eq 'svg' ? 14 : 28
if (format eq 'svg') {
  set terminal svg size 1100,480 dynamic enhanced font sprintf('Helvetica,%d', fontsize) background rgb 'white'
} else {
  set terminal pngcairo size 2200,960 enhanced font sprintf('Helvetica,%d', fontsize) linewidth 2.4 background rgb 'white'
}
set output output
array colours[8] = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#D55E00', '#56B4E9', '#000000', '#F0E442']
do for [i=1:lines] { set style line i lc rgb colours[(i - 1) % 8 + 1] pt 7 ps 1.2 lw 1.5 }
set logscale xy
set border 3
set xtics nomirror out
set ytics nomirror out
set grid lc rgb '#e6e6e6'
set xlabel 'student hidden width w (widths w,w)'
set key top right noenhanced
on(i, name) = strcol('step') eq line_step[i] && strcol('measure') eq name
set multiplot layout 1, 2 title "How far gradient descent moved the trained layer (mean over teacher seeds)\n{/*0.8 a distance of 0 (u's kernel does not depend on u) is not drawn}"
set title 'relative weight change ‖θ_T − θ_0‖_F / ‖θ_0‖_F' noenhanced
plot for [i=1:lines] measures using (on(i, 'relative_weight_change') ? column('width') : NaN) \
  :(on(i, 'relative_weight_change') ? positive(column('mean')) : NaN) with linespoints ls i title 'layer '.line_step[i]
set title 'kernel distance 1 − ⟨K_0, K_T⟩ / (‖K_0‖ ‖K_T‖)' noenhanced
plot for [i=1:lines] measures using (on(i, 'kernel_distance') ? column('width') : NaN) \
  :(on(i, 'kernel_distance') ? positive(column('mean')) : NaN) with linespoints ls i title 'layer '.line_step[i]
unset multiplot
