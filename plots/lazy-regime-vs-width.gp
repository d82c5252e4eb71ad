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
positive(v) = v > 1e-12 ? v : NaN
# Error bars of ± one standard deviation over the seeds, the lower end kept above a tenth of the mean
# (a log axis has no room for 0); none where the mean is not drawn, so that autoscaling ignores it.
std(dummy) = strcol('std') eq '' ? 0 : column('std')
low(dummy) = column('mean') - std(0) > column('mean') / 10 ? column('mean') - std(0) : column('mean') / 10
# (measures.csv also holds the spectra's alignments: only the trained baseline's measures count here.)
trained_measure(name) = name eq 'relative_weight_change' || name eq 'kernel_distance'
# Whether a panel has anything to draw: u's kernel distance is 0, so a sweep of u alone has none.
drawable_change = 0; drawable_distance = 0
note(dummy) = (strcol('measure') eq 'relative_weight_change' && column('mean') > 1e-12 ? drawable_change = 1 : 0, \
  strcol('measure') eq 'kernel_distance' && column('mean') > 1e-12 ? drawable_distance = 1 : 0, \
  trained_measure(strcol('measure')) ? add_step(strcol('step')) : 0)
stats measures using (note(0)) nooutput
if (lines == 0) {
  print sprintf("%s: no measures (is the trained baseline in BASELINES?)", measures)
  exit status 1
}
# A name as text in an enhanced title: '_' escaped (a file name's underscore is no subscript).
plain(s) = strstrt(s, '_') > 0 ? s[1:strstrt(s, '_') - 1].'\_'.plain(s[strstrt(s, '_') + 1:]) : s
# Over an imported data set (column data_set), its name; its seeds are split seeds.
data_set = ''
stats measures using (data_set = strcol('data_set'), 0) nooutput
over_seeds = data_set eq '' ? 'teacher seeds' : 'split seeds; data set '.plain(data_set)
# The widths, each a tic (a log axis' own tics can all fall outside a narrow sweep).
array widths[100]
seen_widths = '|'
width_count = 0
add_width(w) = strstrt(seen_widths, sprintf('|%g|', w)) > 0 ? 0 : \
  (width_count = width_count + 1, widths[width_count] = w, seen_widths = seen_widths.sprintf('%g|', w), 0)
stats measures using (add_width(column('width'))) nooutput
stats measures using 'width' nooutput
width_min = STATS_min; width_max = STATS_max

fontsize = format eq 'svg' ? 14 : 28
if (format eq 'svg') {
  set terminal svg size 1100,480 dynamic enhanced font sprintf('Helvetica,%d', fontsize) background rgb 'white'
} else {
  set terminal pngcairo size 2200,960 enhanced font sprintf('Helvetica,%d', fontsize) linewidth 2.4 background rgb 'white'
}
set output output
array colours[8] = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#D55E00', '#56B4E9', '#000000', '#F0E442']
do for [i=1:lines] { set style line i lc rgb colours[(i - 1) % 8 + 1] pt 7 ps 1.2 lw 1.5 }
set errorbars small
set logscale xy
set xrange [width_min / 2**0.3 : width_max * 2**0.3]
set border 3
set xtics () nomirror out
do for [i=1:width_count] { set xtics add (sprintf('%g', widths[i]) widths[i]) }
set mxtics 1
set ytics nomirror out
set grid lc rgb '#e6e6e6'
set xlabel 'student hidden width w (widths w,w)'
# (The panels' lines keep their titles, for the SVG's groups, with the key hidden.)
unset key
on(i, name) = strcol('step') eq line_step[i] && strcol('measure') eq name
# Two panels and, below them, one legend for both (as the sweeps' test-error plots): placed in screen
# coordinates, so that neither the legend nor the title can reach the data or each other.
set multiplot title "How far gradient descent moved the trained layer (mean ± std over ".over_seeds.")\n".\
  "{/*0.8 a distance of 0 (u's kernel does not depend on u) is not drawn}"
set bmargin at screen 0.23; set tmargin at screen 0.74
do for [k=1:2] {
  name = k == 1 ? 'relative_weight_change' : 'kernel_distance'
  set lmargin at screen 0.085 + (k - 1) * 0.485; set rmargin at screen 0.085 + (k - 1) * 0.485 + 0.415
  set title (k == 1 ? 'relative weight change ‖θ_T − θ_0‖_F / ‖θ_0‖_F' : \
    'kernel distance 1 − ⟨K_0, K_T⟩ / (‖K_0‖ ‖K_T‖)') enhanced
  if ((k == 1 && drawable_change) || (k == 2 && drawable_distance)) {
    set yrange [*:*]
    unset label 1
    plot for [i=1:lines] measures using (on(i, name) ? column('width') : NaN) \
      :(on(i, name) ? positive(column('mean')) : NaN):(positive(low(0))):(positive(column('mean')) + std(0)) \
      with yerrorlines ls i title 'layer '.line_step[i]
  } else {
    # Nothing above 0 to draw on a log axis: an empty panel that says so.
    set yrange [0.01:1]
    set label 1 '0 at every width' at graph 0.5, graph 0.5 center textcolor rgb '#777777'
    plot NaN notitle
  }
}
unset label 1
unset title; unset xlabel; unset border; unset tics; unset grid; unset logscale
set key center center horizontal maxrows 1 reverse Left samplen 2 noenhanced nobox
set lmargin at screen 0; set rmargin at screen 1; set bmargin at screen 0; set tmargin at screen 0.09
set xrange [0:1]; set yrange [0:1]
plot for [i=1:lines] NaN with linespoints ls i title 'layer '.line_step[i]
unset multiplot
