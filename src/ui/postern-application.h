/* postern-application.h
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * `postern`: the application object. It parses --profile and --demo,
 * opens mailto: URIs in the composer and owns the GSettings of the UI.
 */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define POSTERN_TYPE_APPLICATION (postern_application_get_type ())
G_DECLARE_FINAL_TYPE (PosternApplication, postern_application, POSTERN, APPLICATION, AdwApplication)

PosternApplication *postern_application_new (void);
GSettings *postern_application_get_settings (PosternApplication *self);

G_END_DECLS
