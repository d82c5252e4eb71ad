# Test error against the student's hidden width at a fixed teacher
# (make width-sweep). gnuplot -c plots/test-error-vs-width.gp report/summary.csv OUTPUT svg|png
xcolumn = 'width'
xtitle = 'student hidden width w (widths w,w)'
heading = 'Test error against the width of the student'
call ARG0[1:strlen(ARG0) - strlen('test-error-vs-width.gp')].'sweep-common.gp' ARG1 ARG2 ARG3
