// Recursive Fibonacci: fib(30) = 832040. Same algorithm as fib.gene.
function fib(n) {
  if (n < 2) {
    return n;
  }
  return fib(n - 1) + fib(n - 2);
}

console.log(fib(30));
