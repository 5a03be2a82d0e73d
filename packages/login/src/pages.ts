const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);

/** A small self-contained page: no scripts, no external assets. */
function page(title: string, heading: string, body: string, tone: 'ok' | 'error'): string {
  const accent = tone === 'ok' ? '#10a37f' : '#d9363e';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;background:#f7f7f8;color:#202123;margin:0;display:flex;min-height:100vh;align-items:center;justify-content:center}
main{background:#fff;border-radius:12px;box-shadow:0 2px 12px rgba(0,0,0,.08);padding:32px 40px;max-width:520px}
h1{font-size:22px;margin:0 0 12px;color:${accent}}
p{line-height:1.5;margin:8px 0}
code{background:#f0f0f2;padding:2px 6px;border-radius:4px}
</style>
</head>
<body><main><h1>${escapeHtml(heading)}</h1>${body}</main></body>
</html>
`;
}

/** Shown after a successful login. */
export function successPage(email: string | null): string {
  const who = email ? ` as <strong>${escapeHtml(email)}</strong>` : '';
  return page(
    'Signed in to Codex',
    'Signed in to Codex',
    `<p>You are signed in${who}.</p><p>You can close this tab and go back to your terminal or editor.</p>`,
    'ok',
  );
}

/** Shown when the login failed; `detail` says why, `hint` what to do. */
export function errorPage(
  detail: string,
  hint = 'Start the login again from your terminal or editor.',
): string {
  return page(
    'Codex login failed',
    'Login failed',
    `<p>${escapeHtml(detail)}</p><p>${escapeHtml(hint)}</p>`,
    'error',
  );
}
