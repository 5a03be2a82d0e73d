import type { ToolSpec } from '../../client/types.js';

/**
 * The patch format as a Lark grammar, for models that take `apply_patch` as a freeform tool:
 * the API then constrains the model's input to a well-formed patch.
 */
export const APPLY_PATCH_GRAMMAR = `start: begin_patch hunk+ end_patch
begin_patch: "*** Begin Patch" LF
end_patch: "*** End Patch" LF?

hunk: add_hunk | delete_hunk | update_hunk
add_hunk: "*** Add File: " filename LF add_line+
delete_hunk: "*** Delete File: " filename LF
update_hunk: "*** Update File: " filename LF move_to? change?

filename: /(.+)/
add_line: "+" /(.*)/ LF -> line

move_to: "*** Move to: " filename LF
change: (change_context | change_line)+ eof_line?
change_context: ("@@" | "@@ " /(.+)/) LF
change_line: ("+" | "-" | " ") /(.*)/ LF
eof_line: "*** End of File" LF

%import common.LF
`;

/** `apply_patch` as a freeform (custom) tool. */
export const APPLY_PATCH_FREEFORM_SPEC: ToolSpec = {
  type: 'custom',
  name: 'apply_patch',
  description:
    'The `apply_patch` tool can be used to edit files. This is a FREEFORM tool, so do not wrap the patch in JSON.',
  format: { type: 'grammar', syntax: 'lark', definition: APPLY_PATCH_GRAMMAR },
};

const PATCH_FORMAT_HELP = `Use the \`apply_patch\` tool to edit files. The \`input\` is a patch in this format:

*** Begin Patch
[ one or more file sections ]
*** End Patch

Each file section starts with one of:
*** Add File: <path> - create a file; every following line starts with +
*** Delete File: <path> - remove a file; nothing follows
*** Update File: <path> - change a file in place; optionally followed by *** Move to: <new path>

An update holds one or more hunks. A hunk starts with @@ (optionally followed by a line such as a class or function header that locates it), then lines that start with a space (context), - (removed) or + (added). Show about three lines of context before and after each change; add more @@ lines to narrow the location when the context is not unique. *** End of File marks a hunk that ends at the end of the file.

Example:
*** Begin Patch
*** Add File: hello.txt
+Hello world
*** Update File: src/app.py
*** Move to: src/main.py
@@ def greet():
-print("Hi")
+print("Hello, world!")
*** Delete File: obsolete.txt
*** End Patch

Paths must be relative to the working directory, never absolute.`;

/** `apply_patch` as a JSON function tool with one `input` string. */
export const APPLY_PATCH_FUNCTION_SPEC: ToolSpec = {
  type: 'function',
  name: 'apply_patch',
  description: PATCH_FORMAT_HELP,
  strict: false,
  parameters: {
    type: 'object',
    properties: {
      input: { type: 'string', description: 'The entire contents of the apply_patch command' },
    },
    required: ['input'],
    additionalProperties: false,
  },
};
