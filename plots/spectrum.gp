# The spectra of a step's kernels (ntk-spectrum's spectrum.csv): for each kernel
# (K0, and K∞, K_T with their baselines) the eigenvalues λ_k of K/n against k,
# log-log, and the cumulative share of the labels' power in the top k
# eigendirections, Σ_{j≤k} (v_jᵀy)²/‖y‖², against k (log x).
# A kernel whose top eigendirections hold the labels learns them from few samples.
# gnuplot -c plots/spectrum.gp STEP/spectrum.csv OUTPUT svg|png
if (ARGC < 3) {
  print sprintf("usage: gnuplot -c %s spectrum.csv output.svg|output.png svg|png", ARG0)
  exit status 2
}
spectrum = ARG1
format = ARG3
set datafile separator comma
set datafile columnheaders

array kernels[10]
count = 0
seen = '|'
add_kernel(k) = strstrt(seen, '|'.k.'|') > 0 ? 0 : (count = count + 1, kernels[count] = k, seen = seen.k.'|', 0)
n = 0
largest(i) = (n = i > n ? i : n, 0)
# Each kernel's largest eigenvalue (its first row).
array top[10]
first(i) = i == 1 ? (top[count] = column('eigenvalue'), 0) : 0
# Three sums of each kernel's rows, to tell kernels whose spectra coincide (K_T = K0 at the u step,
# whose kernel does not depend on u).
array rows[10]; array sum_value[10]; array sum_weighted[10]; array sum_power[10]
sums(dummy) = (rows[count] = rows[count] + 1, sum_value[count] = sum_value[count] + column('eigenvalue'), \
  sum_weighted[count] = sum_weighted[count] + column('index') * column('eigenvalue'), \
  sum_power[count] = sum_power[count] + column('cumulative_target_power'), 0)
do for [i=1:10] { rows[i] = 0; sum_value[i] = 0; sum_weighted[i] = 0; sum_power[i] = 0 }
stats spectrum using (add_kernel(strcol('kernel')), largest(column('index')), first(column('index')), sums(0)) nooutput
if (count == 0) {
  print sprintf("%s: no spectra", spectrum)
  exit status 1
}
close(a, b) = abs(a - b) <= 1e-9 * (abs(a) > abs(b) ? abs(a) : abs(b))
same(i, j) = rows[i] == rows[j] && close(sum_value[i], sum_value[j]) && close(sum_weighted[i], sum_weighted[j]) \
  && close(sum_power[i], sum_power[j])
# Each kernel's first earlier kernel with the same spectrum (0: none).
array twin[10]
do for [i=1:count] {
  twin[i] = 0
  do for [j=i-1:1:-1] { if (same(i, j)) { twin[i] = j } }
}
short_name(k) = k eq 'K0' ? 'K_0' : k eq 'K_infinite' ? 'K_∞' : k eq 'K_trained' ? 'K_T' : k
kernel_title(k) = k eq 'K0' ? 'K_0 (the step''s network)' : \
  k eq 'K_infinite' ? 'K_∞ (infinite width)' : k eq 'K_trained' ? 'K_T (after gradient descent)' : k
# The legend says so, briefly (the row has room for three titles of about 25 characters): "K_T (trained) = K_0".
short_title(k) = k eq 'K_infinite' ? 'K_∞ (infinite width)' : k eq 'K_trained' ? 'K_T (trained)' : short_name(k)
title_of(i) = twin[i] == 0 ? kernel_title(kernels[i]) : short_title(kernels[i]).' = '.short_name(kernels[twin[i]])
# The folder's name (the step) for the title.
folder = spectrum[1:strlen(spectrum) - strlen('/spectrum.csv')]
last_part(s) = strstrt(s, '/') > 0 ? last_part(s[strstrt(s, '/') + 1:]) : s
step = last_part(folder)

fontsize = format eq 'svg' ? 14 : 28
if (format eq 'svg') {
  set terminal svg size 1100,520 dynamic enhanced font sprintf('Helvetica,%d', fontsize) background rgb 'white'
} else {
  set terminal pngcairo size 2200,1040 enhanced font sprintf('Helvetica,%d', fontsize) linewidth 2.4 background rgb 'white'
}
set output ARG2
array colours[3] = ['#0072B2', '#E69F00', '#009E73']
array dashes[3] = [1, 2, 4]
do for [i=1:count] { set style line i lc rgb colours[(i - 1) % 3 + 1] dt dashes[(i - 1) % 3 + 1] lw 1.8 }
# A kernel that coincides with an earlier one is drawn first, as a wide band under it, so both show.
do for [i=1:count] { if (twin[i] > 0) { set style line i lc rgb colours[(i - 1) % 3 + 1] dt 1 lw 4.5 } }
array order[10]
placed = 0
do for [pass=1:2] {
  do for [i=1:count] { if ((pass == 1) == (twin[i] > 0)) { placed = placed + 1; order[placed] = i } }
}
on(i) = strcol('kernel') eq kernels[i]
# Eigenvalues at rounding level (a rank-deficient kernel's null space: below 10^{-12} λ_1) are not drawn.
shown(i, v) = v > 1e-12 * top[i] ? v : NaN
set border 3
set xtics nomirror out
set ytics nomirror out
set grid lc rgb '#e6e6e6'
set logscale x
set xrange [0.8:n * 1.25]
set xlabel 'eigenvalue index k'
unset key
# Two panels side by side, placed in screen coordinates, and one legend in a row below them.
set multiplot title sprintf("Spectra of the tangent kernels of step %s on n = %d training samples", step, n) noenhanced
set bmargin at screen 0.27; set tmargin at screen 0.82
set lmargin at screen 0.09; set rmargin at screen 0.48
set title 'eigenvalues λ_k of K/n (above 10^{-12} λ_1)' enhanced
set logscale y
set format y '10^{%L}'
plot for [j=1:count] spectrum \
  using (on(order[j]) ? column('index') : NaN):(on(order[j]) ? shown(order[j], column('eigenvalue')) : NaN) \
  with lines ls order[j] notitle
unset logscale y
set format y '%.1f'
set yrange [0:1.05]
set lmargin at screen 0.59; set rmargin at screen 0.98
set title 'share of ‖y‖^2 in the top k eigendirections' enhanced
plot for [j=1:count] spectrum \
  using (on(order[j]) ? column('index') : NaN):(on(order[j]) ? column('cumulative_target_power') : NaN) \
  with lines ls order[j] notitle
unset title; unset xlabel; unset border; unset tics; unset grid; unset logscale
set key center center horizontal maxcols 3 maxrows 1 reverse Left samplen 3 width -4 enhanced nobox
set lmargin at screen 0; set rmargin at screen 1; set bmargin at screen 0; set tmargin at screen 0.1
set xrange [0:1]; set yrange [0:1]
plot for [i=1:count] NaN with lines ls i title title_of(i)
unset multiplot
