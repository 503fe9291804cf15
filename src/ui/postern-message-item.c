/* postern-message-item.c
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "postern-message-item.h"

struct _PosternMessageItem
{
  GObject parent_instance;
  PosternMessageRow *row; /* NULL while a placeholder */
  char *sender_name;
  gboolean unread;
};

G_DEFINE_FINAL_TYPE (PosternMessageItem, postern_message_item, G_TYPE_OBJECT)

enum
{
  PROP_0,
  PROP_LOADED,
  PROP_UNREAD,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
postern_message_item_finalize (GObject *object)
{
  PosternMessageItem *self = POSTERN_MESSAGE_ITEM (object);

  g_clear_pointer (&self->row, postern_message_row_free);
  g_clear_pointer (&self->sender_name, g_free);
  G_OBJECT_CLASS (postern_message_item_parent_class)->finalize (object);
}

static void
postern_message_item_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  PosternMessageItem *self = POSTERN_MESSAGE_ITEM (object);

  switch (prop_id)
    {
      case PROP_LOADED:
        g_value_set_boolean (value, self->row != NULL);
        break;
      default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
postern_message_item_class_init (PosternMessageItemClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = postern_message_item_finalize;
  object_class->get_property = postern_message_item_get_property;

  properties[PROP_LOADED]
    = g_param_spec_boolean ("loaded", NULL, NULL, FALSE,
                            G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_UNREAD]
    = g_param_spec_boolean ("unread", NULL, NULL, FALSE,
                            G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
postern_message_item_init (PosternMessageItem *self)
{
}

/**
 * postern_message_item_new:
 * @row: (nullable): the row, or %NULL for a placeholder
 */
PosternMessageItem *
postern_message_item_new (const PosternMessageRow *row)
{
  PosternMessageItem *self = g_object_new (POSTERN_TYPE_MESSAGE_ITEM, NULL);

  if (row != NULL)
    postern_message_item_set_row (self, row);
  return self;
}

/* "Alice Example <alice@example.org>" → "Alice Example"; a bare address
 * stays as it is. Quotes around the name go too. */
static char *
display_name (const char *sender)
{
  const char *lt;
  g_autofree char *name = NULL;

  if (sender == NULL || *sender == '\0')
    return g_strdup (_ ("(no sender)"));
  lt = strchr (sender, '<');
  if (lt == NULL || lt == sender)
    return g_strdup (sender);
  name = g_strstrip (g_strndup (sender, (gsize) (lt - sender)));
  if (name[0] == '"' && strlen (name) >= 2 && name[strlen (name) - 1] == '"')
    return g_strndup (name + 1, strlen (name) - 2);
  return *name ? g_steal_pointer (&name) : g_strdup (sender);
}

void
postern_message_item_set_row (PosternMessageItem *self, const PosternMessageRow *row)
{
  g_autofree char *flags = NULL;
  gboolean was_loaded;

  g_return_if_fail (POSTERN_IS_MESSAGE_ITEM (self));
  g_return_if_fail (row != NULL);

  was_loaded = self->row != NULL;
  g_clear_pointer (&self->row, postern_message_row_free);
  self->row = postern_message_row_copy (row);
  g_free (self->sender_name);
  self->sender_name = display_name (row->sender);
  flags = postern_maildir_file_flags (row->file ? row->file : "");
  self->unread = strchr (flags, 'S') == NULL;
  if (!was_loaded)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOADED]);
}

gboolean
postern_message_item_get_loaded (PosternMessageItem *self)
{
  g_return_val_if_fail (POSTERN_IS_MESSAGE_ITEM (self), FALSE);
  return self->row != NULL;
}

/**
 * postern_message_item_get_row:
 *
 * Returns: (nullable) (transfer none): the row, %NULL while not loaded
 */
const PosternMessageRow *
postern_message_item_get_row (PosternMessageItem *self)
{
  g_return_val_if_fail (POSTERN_IS_MESSAGE_ITEM (self), NULL);
  return self->row;
}

const char *
postern_message_item_get_id (PosternMessageItem *self)
{
  g_return_val_if_fail (POSTERN_IS_MESSAGE_ITEM (self), NULL);
  return self->row ? self->row->id : NULL;
}

const char *
postern_message_item_get_folder (PosternMessageItem *self)
{
  g_return_val_if_fail (POSTERN_IS_MESSAGE_ITEM (self), NULL);
  return self->row ? self->row->folder : NULL;
}

const char *
postern_message_item_get_subject (PosternMessageItem *self)
{
  g_return_val_if_fail (POSTERN_IS_MESSAGE_ITEM (self), NULL);
  if (self->row == NULL)
    return "";
  return self->row->subject && *self->row->subject ? self->row->subject : _ ("(no subject)");
}

const char *
postern_message_item_get_sender (PosternMessageItem *self)
{
  g_return_val_if_fail (POSTERN_IS_MESSAGE_ITEM (self), NULL);
  return self->sender_name ? self->sender_name : "";
}

PosternLock
postern_message_item_get_lock (PosternMessageItem *self)
{
  g_return_val_if_fail (POSTERN_IS_MESSAGE_ITEM (self), POSTERN_LOCK_UNKNOWN);
  return self->row ? self->row->lock : POSTERN_LOCK_UNKNOWN;
}

gboolean
postern_message_item_get_unread (PosternMessageItem *self)
{
  g_return_val_if_fail (POSTERN_IS_MESSAGE_ITEM (self), FALSE);
  return self->unread;
}

/* The store changed the flags; the row that shows the item follows. */
void
postern_message_item_set_unread (PosternMessageItem *self, gboolean unread)
{
  g_return_if_fail (POSTERN_IS_MESSAGE_ITEM (self));

  if (self->unread == !!unread)
    return;
  self->unread = !!unread;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_UNREAD]);
}

/* Today's mail shows its time, this year's its day, older mail the date. */
char *
postern_message_item_format_date (PosternMessageItem *self, GDateTime *now)
{
  g_autoptr (GDateTime) utc = NULL;
  g_autoptr (GDateTime) local = NULL;

  g_return_val_if_fail (POSTERN_IS_MESSAGE_ITEM (self), NULL);
  if (self->row == NULL || self->row->date == 0)
    return g_strdup ("");
  utc = g_date_time_new_from_unix_utc (self->row->date);
  if (utc == NULL)
    return g_strdup ("");
  local = g_date_time_to_local (utc);
  if (g_date_time_get_year (local) == g_date_time_get_year (now)
      && g_date_time_get_day_of_year (local) == g_date_time_get_day_of_year (now))
    return g_date_time_format (local, "%H:%M");
  if (g_date_time_get_year (local) == g_date_time_get_year (now))
    return g_date_time_format (local, _ ("%b %-e"));
  return g_date_time_format (local, "%Y-%m-%d");
}
