"""Annual reporting: achievement of subsidy results, return of funds, the analytical memo, and the
program's annual effectiveness evaluation."""
