# Learning curves: test error against the number of training samples M
# (make learning-curve). gnuplot -c plots/test-error-vs-m.gp report/summary.csv OUTPUT svg|png
xcolumn = 'm'
xtitle = 'training samples M'
heading = 'Test error against the number of training samples'
call ARG0[1:strlen(ARG0) - strlen('test-error-vs-m.gp')].'sweep-common.gp' ARG1 ARG2 ARG3
