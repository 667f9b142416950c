export async function main(argv: string[]): Promise<number> {
  process.stdout.write(`tcptrace-ts (scaffold) ${argv.join(' ')}\n`);
  return 0;
}
