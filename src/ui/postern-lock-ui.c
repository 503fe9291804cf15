/* postern-lock-ui.c
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "postern-lock-ui.h"

/* The icons are bundled (data/icons), so every theme shows the same locks. */
const char *
postern_lock_get_icon_name (PosternLock lock)
{
  switch (lock)
    {
      case POSTERN_LOCK_ONION:
        return "postern-lock-onion-symbolic";
      case POSTERN_LOCK_SEALED:
        return "postern-lock-sealed-symbolic";
      case POSTERN_LOCK_TLS:
        return "postern-lock-tls-symbolic";
      case POSTERN_LOCK_OPEN:
        return "postern-lock-open-symbolic";
      case POSTERN_LOCK_UNKNOWN:
      default:
        return "postern-lock-unknown-symbolic";
    }
}

const char *
postern_lock_get_title (PosternLock lock)
{
  switch (lock)
    {
      case POSTERN_LOCK_ONION:
        return _ ("Onion");
      case POSTERN_LOCK_SEALED:
        return _ ("Sealed");
      case POSTERN_LOCK_TLS:
        return _ ("TLS only");
      case POSTERN_LOCK_OPEN:
        return _ ("Open");
      case POSTERN_LOCK_UNKNOWN:
      default:
        return _ ("Unknown");
    }
}

const char *
postern_lock_get_sending_description (PosternLock lock)
{
  switch (lock)
    {
      case POSTERN_LOCK_ONION:
        return _ ("Travels over Tor: content and metadata stay hidden in transit");
      case POSTERN_LOCK_SEALED:
        return _ ("End-to-end encrypted: only the recipients can read it");
      case POSTERN_LOCK_TLS:
        return _ ("Encrypted to the provider only: the provider can read it");
      case POSTERN_LOCK_OPEN:
        return _ ("Not encrypted: anyone on the way can read it");
      case POSTERN_LOCK_UNKNOWN:
      default:
        return _ ("How this message would travel is not known yet");
    }
}

const char *
postern_lock_get_received_description (PosternLock lock)
{
  switch (lock)
    {
      case POSTERN_LOCK_ONION:
        return _ ("Arrived over Tor: content and metadata were hidden in transit");
      case POSTERN_LOCK_SEALED:
        return _ ("Arrived end-to-end encrypted");
      case POSTERN_LOCK_TLS:
        return _ ("Arrived with TLS only: the provider could read it");
      case POSTERN_LOCK_OPEN:
        return _ ("Arrived unencrypted: anyone on the way could read it");
      case POSTERN_LOCK_UNKNOWN:
      default:
        return _ ("How it travelled is not known: imported, or never sent");
    }
}

/* Colours follow libadwaita's semantic classes, so dark mode just works. */
const char *
postern_lock_get_css_class (PosternLock lock)
{
  switch (lock)
    {
      case POSTERN_LOCK_ONION:
      case POSTERN_LOCK_SEALED:
        return "success";
      case POSTERN_LOCK_TLS:
        return "warning";
      case POSTERN_LOCK_OPEN:
        return "error";
      case POSTERN_LOCK_UNKNOWN:
      default:
        return "dim-label";
    }
}

/* The router's transport names, as people read them. */
const char *
postern_transport_get_title (const char *transport)
{
  if (g_strcmp0 (transport, "smtp") == 0)
    return _ ("SMTP");
  if (g_strcmp0 (transport, "local") == 0)
    return _ ("local delivery");
  if (g_strcmp0 (transport, "smtorp") == 0)
    return _ ("SMTorP over Tor");
  if (g_strcmp0 (transport, "stubmail") == 0)
    return _ ("Stubmail");
  if (g_strcmp0 (transport, "ves") == 0)
    return _ ("VES");
  return transport ? transport : _ ("an unknown transport");
}
