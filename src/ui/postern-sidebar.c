/* postern-sidebar.c
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "postern-folder-item.h"
#include "postern-folder-row.h"
#include "postern-sidebar.h"

struct _PosternSidebar
{
  GtkWidget parent_instance;
  PosternSession *session;
  GCancellable *cancellable;
  GListStore *folders; /* PosternFolderItem */
  char *selected;
  char *wanted; /* selection asked for before the folder was listed */
  gboolean updating;

  GtkListBox *accounts_list;
  GtkListBox *folders_list;
};

G_DEFINE_FINAL_TYPE (PosternSidebar, postern_sidebar, GTK_TYPE_WIDGET)

enum
{
  FOLDER_SELECTED,
  FOLDERS_COUNTED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
postern_sidebar_dispose (GObject *object)
{
  PosternSidebar *self = POSTERN_SIDEBAR (object);

  g_cancellable_cancel (self->cancellable);
  gtk_widget_dispose_template (GTK_WIDGET (self), POSTERN_TYPE_SIDEBAR);
  /* The template's unnamed root child is ours to unparent. */
  for (GtkWidget *child; (child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL;)
    gtk_widget_unparent (child);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->session);
  g_clear_object (&self->folders);
  G_OBJECT_CLASS (postern_sidebar_parent_class)->dispose (object);
}

static void
postern_sidebar_finalize (GObject *object)
{
  PosternSidebar *self = POSTERN_SIDEBAR (object);

  g_free (self->selected);
  g_free (self->wanted);
  G_OBJECT_CLASS (postern_sidebar_parent_class)->finalize (object);
}

static void
folder_row_selected (PosternSidebar *self, GtkListBoxRow *row)
{
  const char *name;

  if (row == NULL || self->updating)
    return;
  name = postern_folder_item_get_name (postern_folder_row_get_item (POSTERN_FOLDER_ROW (row)));
  if (g_strcmp0 (name, self->selected) == 0)
    return;
  g_free (self->selected);
  self->selected = g_strdup (name);
  g_signal_emit (self, signals[FOLDER_SELECTED], 0, name);
}

static void
postern_sidebar_class_init (PosternSidebarClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = postern_sidebar_dispose;
  object_class->finalize = postern_sidebar_finalize;

  /**
   * PosternSidebar::folder-selected:
   * @folder: the folder's name in the store
   */
  signals[FOLDER_SELECTED]
    = g_signal_new ("folder-selected", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                    NULL, G_TYPE_NONE, 1, G_TYPE_STRING);

  /**
   * PosternSidebar::folders-counted:
   *
   * The folders were listed again with fresh counts (see
   * postern_sidebar_get_total()).
   */
  signals[FOLDERS_COUNTED] = g_signal_new ("folders-counted", G_TYPE_FROM_CLASS (klass),
                                           G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/postern/Postern/ui/postern-sidebar.ui");
  gtk_widget_class_bind_template_child (widget_class, PosternSidebar, accounts_list);
  gtk_widget_class_bind_template_child (widget_class, PosternSidebar, folders_list);
  gtk_widget_class_bind_template_callback (widget_class, folder_row_selected);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "postern-sidebar");
}

static GtkWidget *
create_folder_row (gpointer item, gpointer user_data)
{
  return postern_folder_row_new (item);
}

/* Account rows are a list-row factory: an icon, the name and the address. */
static GtkWidget *
create_account_row (gpointer item, gpointer user_data)
{
  PosternAccount *account = item;
  GtkWidget *row = gtk_list_box_row_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  GtkWidget *texts = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *icon = gtk_image_new_from_icon_name ("avatar-default-symbolic");
  GtkWidget *name = gtk_label_new (postern_account_get_name (account));
  GtkWidget *address = gtk_label_new (postern_account_get_address (account));
  g_autofree char *label
    = g_strdup_printf (_ ("Account %s, %s"), postern_account_get_name (account),
                       postern_account_get_address (account));

  gtk_label_set_xalign (GTK_LABEL (name), 0);
  gtk_label_set_xalign (GTK_LABEL (address), 0);
  gtk_label_set_ellipsize (GTK_LABEL (name), PANGO_ELLIPSIZE_END);
  gtk_label_set_ellipsize (GTK_LABEL (address), PANGO_ELLIPSIZE_END);
  gtk_widget_add_css_class (address, "caption");
  gtk_widget_add_css_class (address, "dim-label");
  gtk_box_append (GTK_BOX (texts), name);
  gtk_box_append (GTK_BOX (texts), address);
  gtk_box_append (GTK_BOX (box), icon);
  gtk_box_append (GTK_BOX (box), texts);
  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), box);
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), FALSE);
  gtk_accessible_update_property (GTK_ACCESSIBLE (row), GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
  return row;
}

static void
postern_sidebar_init (PosternSidebar *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->cancellable = g_cancellable_new ();
  self->folders = g_list_store_new (POSTERN_TYPE_FOLDER_ITEM);
  gtk_list_box_bind_model (self->folders_list, G_LIST_MODEL (self->folders), create_folder_row,
                           NULL, NULL);
}

static void
select_by_name (PosternSidebar *self, const char *folder)
{
  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (self->folders)); i++)
    {
      g_autoptr (PosternFolderItem) item = g_list_model_get_item (G_LIST_MODEL (self->folders), i);
      if (g_strcmp0 (postern_folder_item_get_name (item), folder) == 0)
        {
          gtk_list_box_select_row (self->folders_list,
                                   gtk_list_box_get_row_at_index (self->folders_list, (int) i));
          return;
        }
    }
}

static void
folders_listed (GObject *source, GAsyncResult *result, gpointer user_data)
{
  PosternSidebar *self = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) folders
    = postern_session_list_folders_finish (POSTERN_SESSION (source), result, &error);
  GListModel *model;

  if (folders == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_warning ("cannot list folders: %s", error->message);
      return;
    }
  model = G_LIST_MODEL (self->folders);
  self->updating = TRUE;
  /* Known folders keep their item (and their row's selection); counts
   * change in place. */
  for (guint i = 0; i < folders->len; i++)
    {
      PosternFolderItem *fresh = folders->pdata[i];
      g_autoptr (PosternFolderItem) have = NULL;

      if (i < g_list_model_get_n_items (model))
        have = g_list_model_get_item (model, i);
      if (have != NULL
          && g_str_equal (postern_folder_item_get_name (have),
                          postern_folder_item_get_name (fresh)))
        postern_folder_item_set_counts (have, postern_folder_item_get_unread (fresh),
                                        postern_folder_item_get_total (fresh));
      else if (have != NULL)
        g_list_store_splice (self->folders, i, 1, (gpointer *) &fresh, 1);
      else
        g_list_store_append (self->folders, fresh);
    }
  if (g_list_model_get_n_items (model) > folders->len)
    g_list_store_splice (self->folders, folders->len,
                         g_list_model_get_n_items (model) - folders->len, NULL, 0);
  self->updating = FALSE;

  g_signal_emit (self, signals[FOLDERS_COUNTED], 0);
  if (self->wanted != NULL)
    {
      g_autofree char *wanted = g_steal_pointer (&self->wanted);
      select_by_name (self, wanted);
      if (self->selected == NULL)
        select_by_name (self, POSTERN_STORE_INBOX);
    }
  else if (self->selected != NULL)
    {
      g_autofree char *keep = g_steal_pointer (&self->selected);
      self->updating = TRUE;
      self->selected = g_strdup (keep);
      select_by_name (self, keep);
      self->updating = FALSE;
    }
}

void
postern_sidebar_refresh (PosternSidebar *self)
{
  g_return_if_fail (POSTERN_IS_SIDEBAR (self));
  if (self->session == NULL)
    return;
  postern_session_list_folders_async (self->session, self->cancellable, folders_listed, self);
}

void
postern_sidebar_set_session (PosternSidebar *self, PosternSession *session)
{
  g_return_if_fail (POSTERN_IS_SIDEBAR (self));

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  g_set_object (&self->session, session);
  g_clear_pointer (&self->selected, g_free);
  g_list_store_remove_all (self->folders);
  gtk_list_box_bind_model (self->accounts_list,
                           session ? postern_session_get_accounts (session) : NULL,
                           create_account_row, NULL, NULL);
  postern_sidebar_refresh (self);
}

/* Selects @folder now, or once the folders are listed. */
void
postern_sidebar_select_folder (PosternSidebar *self, const char *folder)
{
  g_return_if_fail (POSTERN_IS_SIDEBAR (self));

  if (g_list_model_get_n_items (G_LIST_MODEL (self->folders)) == 0)
    {
      g_free (self->wanted);
      self->wanted = g_strdup (folder);
      return;
    }
  select_by_name (self, folder);
}

const char *
postern_sidebar_get_selected_folder (PosternSidebar *self)
{
  g_return_val_if_fail (POSTERN_IS_SIDEBAR (self), NULL);
  return self->selected;
}

/* The number of messages in @folder at the last listing, -1 if unknown. */
gint64
postern_sidebar_get_total (PosternSidebar *self, const char *folder)
{
  GListModel *model;

  g_return_val_if_fail (POSTERN_IS_SIDEBAR (self), -1);
  model = G_LIST_MODEL (self->folders);
  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr (PosternFolderItem) item = g_list_model_get_item (model, i);
      if (g_strcmp0 (postern_folder_item_get_name (item), folder) == 0)
        return postern_folder_item_get_total (item);
    }
  return -1;
}
