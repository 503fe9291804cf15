/* postern-test-util.h
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

char *postern_test_make_tmpdir (const char *what);
void postern_test_rm_rf (const char *path);
char *postern_test_data_path (const char *name);
GBytes *postern_test_data_bytes (const char *name);
const char *postern_test_corpus_dir (void);
GPtrArray *postern_test_corpus_files (const char *suffix);
const char *postern_test_cli_path (void);
const char *postern_test_harness_env (const char *name);
int postern_test_run_cli (const char *profile, GBytes *stdin_bytes, GBytes **out_stdout,
                          char **out_stderr, ...) G_GNUC_NULL_TERMINATED;

G_END_DECLS
