/* postern-lock-ui.h
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * How the UI shows a PosternLock: one icon, a short name and a sentence,
 * used alike by recipients, the Send button and received mail.
 */
#pragma once

#include <glib.h>

#include "postern-core.h"

G_BEGIN_DECLS

const char *postern_lock_get_icon_name (PosternLock lock);
const char *postern_lock_get_title (PosternLock lock);
const char *postern_lock_get_sending_description (PosternLock lock);
const char *postern_lock_get_received_description (PosternLock lock);
const char *postern_lock_get_css_class (PosternLock lock);
const char *postern_transport_get_title (const char *transport);

G_END_DECLS
