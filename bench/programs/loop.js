// 10,000,000 iterations of a while loop with a counter and +=.
let i = 0;
while (i < 10000000) {
  i += 1;
}
console.log(i);
