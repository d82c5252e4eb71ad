# A run of gradient descent (ntk-gradient-descent's trajectory.csv): the
# training loss and the train and test 0-1 errors against the step, log x
# (step 0 drawn at 0.5). make training-curves.
# gnuplot -c plots/training-curve.gp STEP/trajectory.csv OUTPUT svg|png
if (ARGC < 3) {
  print sprintf("usage: gnuplot -c %s trajectory.csv output.svg|output.png svg|png", ARG0)
  exit status 2
}
trajectory = ARG1
fontsize = ARG3 eq 'svg' ? 14 : 28
if (ARG3 eq 'svg') {
  set terminal svg size 1100,480 dynamic enhanced font sprintf('Helvetica,%d', fontsize) background rgb 'white'
} else {
  set terminal pngcairo size 2200,960 enhanced font sprintf('Helvetica,%d', fontsize) linewidth 2.4 background rgb 'white'
}
set output ARG2
set datafile separator comma
set datafile columnheaders
set encoding utf8
x(t) = t > 0 ? t : 0.5
set logscale x
set border 3
set xtics nomirror out
set ytics nomirror out
set grid lc rgb '#e6e6e6'
set xlabel 'step t of gradient descent (t = 0 at 0.5)'
unset key
# The title names the file on a line of its own; a long path keeps its end (the run, the step), so
# that it fits the canvas (about 105 characters at this font; 90 leaves a margin).
shown = strlen(trajectory) > 90 ? '…'.trajectory[strlen(trajectory) - 88:] : trajectory
# Two panels in screen coordinates and the legend in a strip below the right one, apart from the data.
set multiplot title "Full-batch gradient descent on the logistic loss\n".shown noenhanced
set bmargin at screen 0.23; set tmargin at screen 0.74
set lmargin at screen 0.085; set rmargin at screen 0.48
set title 'training loss (1/m) Σ log(1 + exp(−y f))' noenhanced
plot trajectory using (x(column('step'))):'loss' with linespoints pt 7 lc rgb '#0072B2' notitle
set lmargin at screen 0.565; set rmargin at screen 0.96
set title '0-1 error' noenhanced
set yrange [0:*]
set key at screen 0.7625, screen 0.045 center center horizontal maxrows 1 reverse Left samplen 2 noenhanced nobox
plot trajectory using (x(column('step'))):'train_error' with linespoints pt 7 lc rgb '#E69F00' title 'train', \
  trajectory using (x(column('step'))):'test_error' with linespoints pt 5 lc rgb '#009E73' title 'test'
unset multiplot
