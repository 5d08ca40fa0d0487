/**
 * The item at `index` of a list the caller knows reaches that far (none of whose items is
 * undefined): a list that is shorter is a bug, and says so instead of passing undefined on.
 */
export function at<T>(items: ArrayLike<T>, index: number): T {
  const item = items[index];
  if (item === undefined) throw new RangeError(`no item at index ${index} of a list of ${items.length}`);
  return item;
}
