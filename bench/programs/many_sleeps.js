// N concurrent 100 ms timers awaited together (default N = 10000).
// Usage: node many_sleeps.js [N]   (same shape as many_sleeps.gene)
const n = process.argv.length > 2 ? parseInt(process.argv[2], 10) : 10000;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function main() {
  await sleep(1);
  const arr = [];
  for (let i = 0; i < n; i++) {
    arr.push(sleep(100));
  }
  const results = await Promise.all(arr);
  console.log(results.length);
}

main();
