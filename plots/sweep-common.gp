# The figure of a sweep, from the report's summary.csv (ntk-sweep-report):
# test error (mean ± std over teacher seeds, or split seeds of an imported data set, which the title
# names) against one parameter, on a
# log-2 axis; one panel per model, one line per step. A dotted vertical line
# marks where the SVMs (summary column `solver`) switch to the linear-time
# solver ("linear solver →") or to libsvm's linear kernel; the infinite-width
# baseline's Nyström rows (model ntk_infinite_nystrom) continue its dashed line
# dotted, with open circles, and the legend names them approximate.
#
# Loaded by a plot script (test-error-vs-m.gp, …) that sets
#   xcolumn   the summary column on the x axis ('m' or 'width')
#   xtitle    the x axis label
#   heading   the first line of the title
# and is run as  gnuplot -c plots/<plot>.gp SUMMARY.csv OUTPUT FORMAT  (FORMAT: svg or png).

if (ARGC < 3) {
  print sprintf("usage: gnuplot -c %s report/summary.csv output.svg|output.png svg|png", ARG0)
  exit status 2
}
summary = ARG1
output = ARG2
format = ARG3

# The models drawn, one panel each, and their panel titles.
models = 'classifier net_svm'
# Each panel's baseline, drawn dashed in each line's colour where the summary has it: the SVM on
# the infinite-width kernel beside the classifier, the trained network beside net θc.
baselines = 'ntk_infinite net_trained'
baseline_of(k) = word(baselines, k)
# Each panel's approximate continuation of its baseline ('-': none): the infinite-width SVM by Nyström
# above the exact kernel's limit.
approximations = 'ntk_infinite_nystrom -'
approximation_of(k) = word(approximations, k)
has_word(list, w) = strstrt(' '.list.' ', ' '.w.' ') > 0
is_baseline(m) = has_word(baselines, m) || (m ne '-' && has_word(approximations, m))
has_baseline = 0
has_approximation = 0
model_title(m) = m eq 'classifier' ? 'SVM on the tangent features (classifier)' : \
  m eq 'net_svm' ? 'network with the layer set to θ_c (net θ_c)' : m
step_title(s) = s eq 'all' ? 'all layers at once' : 'layer '.s

set datafile separator comma
set datafile columnheaders

# --- what the summary holds ------------------------------------------------
# The lines (layers and step, as first seen), the x values, the largest error
# bar, and the parameters shared by every row (or '' where they vary).
array line_layers[100]
array line_step[100]
array x_values[100]
lines = 0
seen_lines = '|'
xs = 0
seen_xs = '|'
ytop = 0
rows = 0
shared(name, value) = value
drawn(m) = strstrt(' '.models.' ', ' '.m.' ') > 0
add_line(l, s) = strstrt(seen_lines, '|'.l.':'.s.'|') > 0 ? 0 : \
  (lines = lines + 1, line_layers[lines] = l, line_step[lines] = s, seen_lines = seen_lines.l.':'.s.'|', 0)
add_x(x) = strstrt(seen_xs, sprintf('|%.15g|', x)) > 0 ? 0 : \
  (xs = xs + 1, x_values[xs] = x, seen_xs = seen_xs.sprintf('%.15g|', x), 0)
# The smallest x at which a drawn model's SVM was trained by the linear solver, or by libsvm's linear kernel
# (the summary's solver column; NaN: never).
linear_from = NaN
libsvm_linear_from = NaN
earliest(old, x) = old == old && old <= x ? old : x
# (A summary from before the column: no marks.)
has_solver = strstrt(system(sprintf("head -n 1 '%s'", summary)), 'solver') > 0
solvers(x) = !has_solver ? 0 : (has_word(strcol('solver'), 'linear') ? (linear_from = earliest(linear_from, x)) : 0, \
  has_word(strcol('solver'), 'libsvm-linear') ? (libsvm_linear_from = earliest(libsvm_linear_from, x)) : 0, 0)
std(name) = strcol(name) eq '' ? 0 : column(name)
top(y) = (ytop = y > ytop ? y : ytop, 0)
# First value of a column, or '' once a row differs.
keep(old, new) = rows == 1 ? new : (old eq new ? old : '')
d = ''; teacher = ''; widths = ''; m = ''; m_test = ''; seeds = ''; layer_sets = ''; data_set = ''
note(r) = (rows = rows + 1, data_set = keep(data_set, strcol('data_set')), \
  d = keep(d, strcol('d')), teacher = keep(teacher, strcol('teacher_widths')), \
  widths = keep(widths, strcol('widths')), m = keep(m, strcol('m')), m_test = keep(m_test, strcol('m_test')), \
  seeds = keep(seeds, strcol('n_seeds')), 0)
scan(dummy) = (is_baseline(strcol('model')) ? (has_baseline = 1, top(column('test_error_mean'))) : 0, \
  has_word(approximations, strcol('model')) ? (has_approximation = 1) : 0, \
  drawn(strcol('model'))) ? \
  (note(0), add_line(strcol('layers'), strcol('step')), add_x(column(xcolumn)), solvers(column(xcolumn)), \
   top(column('test_error_mean') + std('test_error_std')), 0) : 0
stats summary using (scan(0)) nooutput
if (lines == 0) {
  print sprintf("%s: no rows for the models %s", summary, models)
  exit status 1
}

# --- the figure --------------------------------------------------------------
# PNG at twice the SVG's size (fonts and lines scaled alike), for print.
fontsize = format eq 'svg' ? 14 : 28
font(delta) = sprintf('Helvetica,%d', fontsize + delta * (format eq 'svg' ? 1 : 2))
if (format eq 'svg') {
  set terminal svg size 1100,480 dynamic enhanced font font(0) linewidth 1.2 background rgb 'white'
} else {
  if (strstrt(GPVAL_TERMINALS, ' pngcairo ') > 0) {
    set terminal pngcairo size 2200,960 enhanced font font(0) linewidth 2.4 background rgb 'white'
  } else {
    set terminal png size 2200,960 enhanced font font(0) linewidth 2.4 background rgb 'white'
  }
}
set output output

# Colour-blind-safe colours (Okabe–Ito) and distinct point shapes, one per line.
array colours[8] = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#D55E00', '#56B4E9', '#000000', '#F0E442']
array shapes[8] = [7, 5, 9, 13, 11, 15, 7, 5]
do for [i=1:lines] {
  set style line i lc rgb colours[(i - 1) % 8 + 1] pt shapes[(i - 1) % 8 + 1] ps 1.3 lw 1.5
}
set style line 100 lc rgb '#999999' dt 3 lw 1
set style line 101 lc rgb '#cccccc' lw 0.8

# Parameters shared by every point, for the second title line.
shared_text = ''
add_shared(text) = shared_text eq '' ? text : shared_text.', '.text
# A name as text in an enhanced title: '_' escaped (a file name's underscore is no subscript).
plain(s) = strstrt(s, '_') > 0 ? s[1:strstrt(s, '_') - 1].'\_'.plain(s[strstrt(s, '_') + 1:]) : s
# Over an imported data set (summary column data_set): its name, and its seeds are split seeds.
if (data_set ne '') { shared_text = add_shared('data set '.plain(data_set)) }
seed_kind = data_set eq '' ? 'teacher' : 'split'
if (d ne '') { shared_text = add_shared('d = '.d) }
# Lists are space-separated in the summary; written here as in make (WIDTHS=25,25).
commas(s) = strstrt(s, ' ') > 0 ? s[1:strstrt(s, ' ') - 1].','.commas(s[strstrt(s, ' ') + 1:]) : s
if (widths ne '' && xcolumn ne 'width') { shared_text = add_shared('student widths '.commas(widths)) }
if (teacher ne '') { shared_text = add_shared('teacher widths '.commas(teacher)) }
if (m ne '' && xcolumn ne 'm') { shared_text = add_shared('M = '.m) }
if (m_test ne '') { shared_text = add_shared('M_{test} = '.m_test) }
shared_text = shared_text.(seeds eq '1' ? '; one '.seed_kind.' seed (no spread)' : \
  '; mean ± std over '.(seeds eq '' ? seed_kind.' seeds' : seeds.' '.seed_kind.' seeds'))
# How the baselines are drawn, in a further line of the title.
style_text = !has_baseline ? '' : 'dashed: K_∞ SVM (left), trained network (right)'.(!has_approximation ? '' : \
  '; dotted, open circles: K_∞ SVM by the Nyström approximation (approximate)')

# The title's smaller lines wrap at a budget of characters, so that no line runs past the canvas:
# at 0.8 of the font an average character takes 1/134 of the width (DejaVu Sans, which both the PNG
# and most SVG viewers use for Helvetica, in the PNG's larger rendering); 110 leaves a margin. A line
# breaks after the last '; ' within the budget, else the last ', ' (strlen counts characters: UTF-8).
set encoding utf8
budget = 110
array title_lines[20]
title_count = 0
# The last separator `sep` that ends within the first n characters of s (0: none).
last_break(s, n, sep) = (b = 0, sum [j=1:(n < strlen(s) - 1 ? n : strlen(s) - 1)] (s[j:j + 1] eq sep ? (b = j, 0) : 0), b)
do for [part=1:2] {
  rest = part == 1 ? shared_text : style_text
  while (rest ne '') {
    cut = strlen(rest) <= budget ? 0 : last_break(rest, budget, '; ')
    cut = strlen(rest) > budget && cut == 0 ? last_break(rest, budget, ', ') : cut
    cut = strlen(rest) > budget && cut == 0 ? budget : cut
    title_count = title_count + 1
    title_lines[title_count] = cut == 0 ? rest : rest[1:cut]
    rest = cut == 0 ? '' : rest[cut + 1:]
    # (the separator's space opens the next line: drop it)
    rest = rest[1:1] eq ' ' ? rest[2:] : rest
  }
}
title_text = heading
do for [i=1:title_count] { title_text = title_text."\n{/*0.8 ".title_lines[i]."}" }
# The panels start below the title: each line of it (at 0.8 of the font) takes 0.047 of the height.
panels_top = 0.78 - 0.047 * (title_count > 1 ? title_count - 1 : 0)

xmin = x_values[1]; xmax = x_values[1]
do for [i=2:xs] { xmin = x_values[i] < xmin ? x_values[i] : xmin; xmax = x_values[i] > xmax ? x_values[i] : xmax }
set logscale x 2
set xrange [xmin / 2**0.3 : xmax * 2**0.3]
set xtics () nomirror out
# Tic labels: whole numbers; on an axis that reaches 100 000, in thousands (1k, 16k, 256k) and millions
# (1M) where round — never 1e+06.
thousands = xmax >= 1e5
tic_label(x) = x != floor(x) ? sprintf('%g', x) : \
  thousands && x >= 1e6 && x / 1e5 == floor(x / 1e5) ? sprintf('%gM', x / 1e6) : \
  thousands && x >= 1e3 && x / 1e2 == floor(x / 1e2) ? sprintf('%gk', x / 1e3) : sprintf('%.0f', x)
do for [i=1:xs] { set xtics add (tic_label(x_values[i]) x_values[i]) }
set mxtics 1
# The y axis from 0 to a round value above every error bar, at least 0.6 (guessing, 0.5, in view), at most 1.
ymax = ceil((ytop > 0.5 ? ytop : 0.5) * 10 + 0.2) / 10.0
ymax = ymax > 1 ? 1 : ymax
# Where a solver mark is labelled at the panel's top (0.965 and 0.895 of its height), the guessing line
# and its label stay below 0.75 of it, apart from the marks' labels.
marked = linear_from == linear_from || libsvm_linear_from == libsvm_linear_from
ymax = marked && ymax < 0.7 ? 0.7 : ymax
set yrange [0:ymax]
set ytics 0.1 nomirror out
set mytics 2
set format y '%.1f'
set border 3 lw 1
set grid ytics mytics lc rgb '#e6e6e6' lw 1, lc rgb '#f2f2f2' lw 1
set xlabel xtitle
set ylabel 'test error'
unset key
set errorbars small
set arrow 1 from graph 0, first 0.5 to graph 1, first 0.5 nohead ls 100 back
set label 1 'random guessing' at graph 0.99, first 0.5 right offset 0, 0.55 textcolor rgb '#777777' font font(-2) back

# Where the SVMs change solver: a dotted vertical line halfway (on the log axis) between the last x
# trained otherwise and the first trained by that solver (at the axis' left end if every x was), labelled
# at the top of the panel, on the side with room.
x_left = xmin / 2**0.3
x_right = xmax * 2**0.3
do for [kind=1:2] {
  solver_from = kind == 1 ? linear_from : libsvm_linear_from
  if (solver_from == solver_from) {
    below = 0
    do for [i=1:xs] { if (x_values[i] < solver_from && x_values[i] > below) { below = x_values[i] } }
    line_x = below > 0 ? sqrt(solver_from * below) : x_left
    set arrow 1 + kind from first line_x, graph 0 to first line_x, graph 1 nohead lc rgb '#555555' dt 3 lw 1.2 back
    solver_text = kind == 1 ? 'linear solver →' : 'libsvm, linear kernel →'
    label_y = 0.965 - 0.07 * (kind - 1)
    # Left of the line, ending at it, when it stands in the right part of the panel (where the line
    # would cross 'random guessing': that label then goes to the left end).
    if (log(line_x / x_left) / log(x_right / x_left) > 0.6) {
      set label 1 + kind solver_text at first line_x, graph label_y right offset -0.4, 0 \
        textcolor rgb '#555555' font font(-2) front
      set label 1 at graph 0.01, first 0.5 left
    } else {
      set label 1 + kind solver_text at first line_x, graph label_y left offset 0.4, 0 \
        textcolor rgb '#555555' font font(-2) front
    }
  }
}

# A small shift of each line along x (in octaves) keeps error bars apart.
shift(i) = 2**((i - (lines + 1) / 2.0) * 0.07)
on_line(i, model) = strcol('layers') eq line_layers[i] && strcol('step') eq line_step[i] && strcol('model') eq model

# Where each line's baseline in panel k ends (its last exact point) and its approximation starts (its
# first point): a dotted segment joins them, in whichever order the summary holds the two models.
array exact_x[100]; array exact_y[100]; array approximate_x[100]; array approximate_y[100]
ends(k) = sum [i=1:lines] ( \
  on_line(i, baseline_of(k)) && !(exact_x[i] >= column(xcolumn)) ? \
    (exact_x[i] = column(xcolumn), exact_y[i] = column('test_error_mean'), 0) : \
  on_line(i, approximation_of(k)) && !(approximate_x[i] <= column(xcolumn)) ? \
    (approximate_x[i] = column(xcolumn), approximate_y[i] = column('test_error_mean'), 0) : 0)

# The panels side by side between 0.085 (room for the y label) and 0.985 of the width, 0.07 apart, each placed in screen
# coordinates (not by a multiplot layout, which would also confine the legend's strip to a panel's width).
panel_width = (0.985 - 0.085 - 0.07 * (words(models) - 1)) / words(models)
set multiplot title title_text
set bmargin at screen 0.23; set tmargin at screen panels_top
do for [k=1:words(models)] {
  model = word(models, k)
  set lmargin at screen 0.085 + (k - 1) * (panel_width + 0.07); set rmargin at screen 0.085 + k * panel_width + (k - 1) * 0.07
  set title model_title(model) enhanced
  # The guessing line's label once, in the first panel.
  if (k > 1) { unset ylabel; unset label 1 }
  do for [i=1:lines] {
    unset arrow 10 + i
    exact_x[i] = NaN; exact_y[i] = NaN; approximate_x[i] = NaN; approximate_y[i] = NaN
  }
  if (has_approximation && approximation_of(k) ne '-') {
    stats summary using (ends(k)) nooutput
    do for [i=1:lines] {
      if (exact_x[i] < approximate_x[i]) {
        set arrow 10 + i from first exact_x[i] * shift(i), first exact_y[i] \
          to first approximate_x[i] * shift(i), first approximate_y[i] nohead ls i dt 3 back
      }
    }
  }
  plot for [i=1:lines] summary \
    using (on_line(i, model) ? column(xcolumn) * shift(i) : NaN):(on_line(i, model) ? column('test_error_mean') : NaN) \
          :(std('test_error_std')) \
    with yerrorlines ls i title step_title(line_step[i]), \
    for [i=1:lines] summary \
    using (on_line(i, baseline_of(k)) ? column(xcolumn) * shift(i) : NaN) \
          :(on_line(i, baseline_of(k)) ? column('test_error_mean') : NaN) \
    with lines ls i dt 2 notitle, \
    for [i=1:lines] summary \
    using (on_line(i, approximation_of(k)) ? column(xcolumn) * shift(i) : NaN) \
          :(on_line(i, approximation_of(k)) ? column('test_error_mean') : NaN) \
    with linespoints ls i dt 3 pt 6 ps 1.6 notitle
}

# One legend for both panels, in a row below them: an empty plot across the figure.
unset title; unset xlabel; unset ylabel; unset border; unset tics; unset grid; unset label; unset arrow; unset logscale
# gnuplot sizes every column for the longest title plus about 6 characters (4 and the sample) and wraps
# the row when they do not fit, about 95 such characters across the figure (PNG and SVG alike): a
# negative width (at most 5 characters) takes the slack back where the row would not fit.
longest = 0
do for [i=1:lines] { longest = strlen(step_title(line_step[i])) > longest ? strlen(step_title(line_step[i])) : longest }
key_width = floor(95.0 / lines) - longest - 6
key_width = key_width > 1 ? 1 : (key_width < -5 ? -5 : key_width)
set key center center horizontal maxrows 1 reverse Left samplen 2 width key_width noenhanced nobox
set lmargin at screen 0; set rmargin at screen 1; set bmargin at screen 0; set tmargin at screen 0.09
set xrange [0:1]; set yrange [0:1]
plot for [i=1:lines] NaN with linespoints ls i title step_title(line_step[i])
unset multiplot
