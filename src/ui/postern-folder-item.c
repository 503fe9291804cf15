/* postern-folder-item.c
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "postern-core.h"
#include "postern-folder-item.h"

struct _PosternFolderItem
{
  GObject parent_instance;
  char *name;
  guint unread;
  guint total;
};

G_DEFINE_FINAL_TYPE (PosternFolderItem, postern_folder_item, G_TYPE_OBJECT)

enum
{
  PROP_0,
  PROP_NAME,
  PROP_UNREAD,
  PROP_TOTAL,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
postern_folder_item_finalize (GObject *object)
{
  PosternFolderItem *self = POSTERN_FOLDER_ITEM (object);

  g_clear_pointer (&self->name, g_free);
  G_OBJECT_CLASS (postern_folder_item_parent_class)->finalize (object);
}

static void
postern_folder_item_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  PosternFolderItem *self = POSTERN_FOLDER_ITEM (object);

  switch (prop_id)
    {
      case PROP_NAME:
        g_value_set_string (value, self->name);
        break;
      case PROP_UNREAD:
        g_value_set_uint (value, self->unread);
        break;
      case PROP_TOTAL:
        g_value_set_uint (value, self->total);
        break;
      default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
postern_folder_item_class_init (PosternFolderItemClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = postern_folder_item_finalize;
  object_class->get_property = postern_folder_item_get_property;

  properties[PROP_NAME]
    = g_param_spec_string ("name", NULL, NULL, NULL, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_UNREAD]
    = g_param_spec_uint ("unread", NULL, NULL, 0, G_MAXUINT, 0,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_TOTAL]
    = g_param_spec_uint ("total", NULL, NULL, 0, G_MAXUINT, 0,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
postern_folder_item_init (PosternFolderItem *self)
{
}

PosternFolderItem *
postern_folder_item_new (const char *name, guint unread, guint total)
{
  PosternFolderItem *self = g_object_new (POSTERN_TYPE_FOLDER_ITEM, NULL);

  self->name = g_strdup (name);
  self->unread = unread;
  self->total = total;
  return self;
}

const char *
postern_folder_item_get_name (PosternFolderItem *self)
{
  g_return_val_if_fail (POSTERN_IS_FOLDER_ITEM (self), NULL);
  return self->name;
}

/* The standard folders get translated titles; the others keep their names. */
const char *
postern_folder_item_get_title (PosternFolderItem *self)
{
  g_return_val_if_fail (POSTERN_IS_FOLDER_ITEM (self), NULL);
  if (g_str_equal (self->name, POSTERN_STORE_INBOX))
    return _ ("Inbox");
  if (g_str_equal (self->name, POSTERN_STORE_DRAFTS))
    return _ ("Drafts");
  if (g_str_equal (self->name, POSTERN_STORE_OUTBOX))
    return _ ("Outbox");
  if (g_str_equal (self->name, POSTERN_STORE_SENT))
    return _ ("Sent");
  return self->name;
}

const char *
postern_folder_item_get_icon_name (PosternFolderItem *self)
{
  g_return_val_if_fail (POSTERN_IS_FOLDER_ITEM (self), NULL);
  if (g_str_equal (self->name, POSTERN_STORE_INBOX))
    return "mail-unread-symbolic";
  if (g_str_equal (self->name, POSTERN_STORE_DRAFTS))
    return "document-edit-symbolic";
  if (g_str_equal (self->name, POSTERN_STORE_OUTBOX))
    return "mail-send-receive-symbolic";
  if (g_str_equal (self->name, POSTERN_STORE_SENT))
    return "mail-send-symbolic";
  return "folder-symbolic";
}

guint
postern_folder_item_get_unread (PosternFolderItem *self)
{
  g_return_val_if_fail (POSTERN_IS_FOLDER_ITEM (self), 0);
  return self->unread;
}

guint
postern_folder_item_get_total (PosternFolderItem *self)
{
  g_return_val_if_fail (POSTERN_IS_FOLDER_ITEM (self), 0);
  return self->total;
}

void
postern_folder_item_set_counts (PosternFolderItem *self, guint unread, guint total)
{
  g_return_if_fail (POSTERN_IS_FOLDER_ITEM (self));

  g_object_freeze_notify (G_OBJECT (self));
  if (self->unread != unread)
    {
      self->unread = unread;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_UNREAD]);
    }
  if (self->total != total)
    {
      self->total = total;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TOTAL]);
    }
  g_object_thaw_notify (G_OBJECT (self));
}
