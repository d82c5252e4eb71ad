# Kernel ridge regression with K∞ (model krr_infinite): the measured test MSE (mean ± std over teacher
# seeds, or split seeds of an imported data set, from the report's summary.csv) against the training samples M, one colour per step, and the
# spectral theory's prediction as a line of the same colour (theory-curve.csv beside it, ntk-sweep-report
# --theory). Nyström rows (krr_infinite_nystrom, above the exact kernel's memory) as open circles.
#   gnuplot -c plots/krr-mse-vs-m.gp report/summary.csv OUTPUT svg|png
if (ARGC < 3) {
  print sprintf("usage: gnuplot -c %s report/summary.csv output.svg|output.png svg|png", ARG0)
  exit status 2
}
summary = ARG1
output = ARG2
format = ARG3
folder = summary[1:strlen(summary) - strlen('summary.csv')]
curve = folder.'theory-curve.csv'

set datafile separator comma
set datafile columnheaders

# The lines (layers and step, as first seen among the krr rows), the x range and the largest value.
array line_layers[100]
array line_step[100]
array x_values[100]
xs = 0
seen_xs = '|'
add_x(x) = strstrt(seen_xs, sprintf('|%.15g|', x)) > 0 ? 0 : \
  (xs = xs + 1, x_values[xs] = x, seen_xs = seen_xs.sprintf('%.15g|', x), 0)
lines = 0
seen = '|'
xmin = 1e300; xmax = 0; ytop = 0; seeds = ''; rows = 0; d = ''; widths = ''; m_test = ''; data_set = ''
keep(old, new) = rows == 1 ? new : (old eq new ? old : '')
is_krr(m) = m eq 'krr_infinite' || m eq 'krr_infinite_nystrom'
std(name) = strcol(name) eq '' ? 0 : column(name)
add_line(l, s) = strstrt(seen, '|'.l.':'.s.'|') > 0 ? 0 : \
  (lines = lines + 1, line_layers[lines] = l, line_step[lines] = s, seen = seen.l.':'.s.'|', 0)
scan(dummy) = !is_krr(strcol('model')) ? 0 : (rows = rows + 1, add_line(strcol('layers'), strcol('step')), \
  add_x(column('m')), \
  xmin = column('m') < xmin ? column('m') : xmin, xmax = column('m') > xmax ? column('m') : xmax, \
  ytop = column('test_mse_mean') + std('test_mse_std') > ytop ? column('test_mse_mean') + std('test_mse_std') : ytop, \
  seeds = keep(seeds, strcol('n_seeds')), d = keep(d, strcol('d')), widths = keep(widths, strcol('widths')), \
  m_test = keep(m_test, strcol('m_test')), data_set = keep(data_set, strcol('data_set')), 0)
stats summary using (scan(0)) nooutput
if (lines == 0) {
  print sprintf("%s: no rows of krr_infinite (BASELINES=infinite)", summary)
  exit status 1
}
has_curve = system(sprintf("test -s '%s' && echo 1 || echo 0", curve)) + 0
curve_top(dummy) = (ytop = column('predicted_mse') > ytop ? column('predicted_mse') : ytop, 0)
if (has_curve) { stats curve using (curve_top(0)) nooutput }

fontsize = format eq 'svg' ? 14 : 28
font(delta) = sprintf('Helvetica,%d', fontsize + delta * (format eq 'svg' ? 1 : 2))
if (format eq 'svg') {
  set terminal svg size 900,560 dynamic enhanced font font(0) linewidth 1.2 background rgb 'white'
} else {
  if (strstrt(GPVAL_TERMINALS, ' pngcairo ') > 0) {
    set terminal pngcairo size 1800,1120 enhanced font font(0) linewidth 2.4 background rgb 'white'
  } else {
    set terminal png size 1800,1120 enhanced font font(0) linewidth 2.4 background rgb 'white'
  }
}
set output output

array colours[8] = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#D55E00', '#56B4E9', '#000000', '#F0E442']
array shapes[8] = [7, 5, 9, 13, 11, 15, 7, 5]
do for [i=1:lines] {
  set style line i lc rgb colours[(i - 1) % 8 + 1] pt shapes[(i - 1) % 8 + 1] ps 1.3 lw 1.5
}

commas(s) = strstrt(s, ' ') > 0 ? s[1:strstrt(s, ' ') - 1].','.commas(s[strstrt(s, ' ') + 1:]) : s
# A name as text in an enhanced title: '_' escaped (a file name's underscore is no subscript).
plain(s) = strstrt(s, '_') > 0 ? s[1:strstrt(s, '_') - 1].'\_'.plain(s[strstrt(s, '_') + 1:]) : s
# Over an imported data set (column data_set): its name, and its seeds are split seeds.
seed_kind = data_set eq '' ? 'teacher' : 'split'
shared = (data_set ne '' ? 'data set '.plain(data_set).', ' : '').(d ne '' ? 'd = '.d.', ' : ''). \
  (widths ne '' ? 'student widths '.commas(widths).', ' : ''). \
  (m_test ne '' ? 'M_{test} = '.m_test.'; ' : '').(seeds eq '1' ? 'one '.seed_kind.' seed' : \
  'mean ± std over '.(seeds eq '' ? seed_kind.' seeds' : seeds.' '.seed_kind.' seeds'))
set title "Kernel ridge regression with K_∞: test MSE against M\n{/*0.8 ".shared. \
  "}\n{/*0.8 points: measured (krr\\_infinite); lines: spectral theory (Canatar et al. 2021)".(has_curve ? '' : ', absent').'}'

set logscale x 2
set xrange [xmin / 2**0.5 : xmax * 2**0.5]
set xtics () nomirror out
do for [i=1:xs] { set xtics add (sprintf('%.0f', x_values[i]) x_values[i]) }
set mxtics 1
ymax = ceil((ytop > 0 ? ytop : 1) * 10 + 0.5) / 10.0
set yrange [0:ymax]
set ytics 0.1 nomirror out
set format y '%.1f'
set border 3 lw 1
set grid ytics lc rgb '#e6e6e6' lw 1
set xlabel 'training samples M'
set ylabel 'test MSE (f(x) − y)^2'
set errorbars small
set key bottom left reverse Left samplen 2 noenhanced nobox
set bmargin 4.5
step_title(s) = s eq 'all' ? 'all layers at once' : 'layer '.s
on_line(i) = strcol('layers') eq line_layers[i] && strcol('step') eq line_step[i]
shift(i) = 2**((i - (lines + 1) / 2.0) * 0.04)

plot for [i=1:lines] summary \
    using (on_line(i) && strcol('model') eq 'krr_infinite' ? column('m') * shift(i) : NaN) \
          :(column('test_mse_mean')):(std('test_mse_std')) with yerrorbars ls i title step_title(line_step[i]), \
  for [i=1:lines] summary \
    using (on_line(i) && strcol('model') eq 'krr_infinite_nystrom' ? column('m') * shift(i) : NaN) \
          :(column('test_mse_mean')):(std('test_mse_std')) with yerrorbars ls i pt 6 notitle, \
  for [i=1:(has_curve ? lines : 0)] curve \
    using (on_line(i) ? column('m') : NaN):(column('predicted_mse')) with lines ls i notitle
