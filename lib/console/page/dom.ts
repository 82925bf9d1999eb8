/** Small DOM helpers for the tabs: elements built with text (never HTML), so data cannot inject markup. */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Partial<Record<string, string>> = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) if (value !== undefined) node.setAttribute(key, value);
  node.append(...children);
  return node;
}

/** The JSON body of a response, or an Error carrying the server's message. */
export async function json<T>(response: Promise<Response>): Promise<T> {
  const answer = await response;
  const body = (await answer.json().catch(() => ({}))) as T & { error?: string };
  if (!answer.ok) throw Object.assign(new Error(body.error ?? `HTTP ${answer.status}`), { body });
  return body;
}
