/* postern-message-list.c
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <adwaita.h>

#include "postern-message-list-row.h"
#include "postern-message-list.h"

struct _PosternMessageList
{
  GtkWidget parent_instance;
  GtkSingleSelection *selection;
  PosternMessageItem *waiting; /* selected before its row was read */
  gulong waiting_id;
  gboolean loading;

  GtkStack *stack;
  GtkListView *list_view;
  AdwStatusPage *empty_page;
  GtkSpinner *spinner;
};

G_DEFINE_FINAL_TYPE (PosternMessageList, postern_message_list, GTK_TYPE_WIDGET)

enum
{
  MESSAGE_SELECTED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
stop_waiting (PosternMessageList *self)
{
  if (self->waiting != NULL)
    g_clear_signal_handler (&self->waiting_id, self->waiting);
  g_clear_object (&self->waiting);
}

static void
update_page (PosternMessageList *self)
{
  GListModel *model = self->selection ? G_LIST_MODEL (self->selection) : NULL;
  gboolean empty = model == NULL || g_list_model_get_n_items (model) == 0;

  gtk_spinner_set_spinning (self->spinner, self->loading && empty);
  if (self->loading && empty)
    gtk_stack_set_visible_child_name (self->stack, "loading");
  else
    gtk_stack_set_visible_child_name (self->stack, empty ? "empty" : "list");
}

static void
postern_message_list_dispose (GObject *object)
{
  PosternMessageList *self = POSTERN_MESSAGE_LIST (object);

  stop_waiting (self);
  gtk_widget_dispose_template (GTK_WIDGET (self), POSTERN_TYPE_MESSAGE_LIST);
  /* The template's unnamed root child is ours to unparent. */
  for (GtkWidget *child; (child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL;)
    gtk_widget_unparent (child);
  g_clear_object (&self->selection);
  G_OBJECT_CLASS (postern_message_list_parent_class)->dispose (object);
}

static void
postern_message_list_class_init (PosternMessageListClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = postern_message_list_dispose;

  /**
   * PosternMessageList::message-selected:
   * @item: (nullable): the selected message, loaded; %NULL when none is
   */
  signals[MESSAGE_SELECTED]
    = g_signal_new ("message-selected", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                    NULL, G_TYPE_NONE, 1, POSTERN_TYPE_MESSAGE_ITEM);

  gtk_widget_class_set_template_from_resource (
    widget_class, "/io/github/postern/Postern/ui/postern-message-list.ui");
  gtk_widget_class_bind_template_child (widget_class, PosternMessageList, stack);
  gtk_widget_class_bind_template_child (widget_class, PosternMessageList, list_view);
  gtk_widget_class_bind_template_child (widget_class, PosternMessageList, empty_page);
  gtk_widget_class_bind_template_child (widget_class, PosternMessageList, spinner);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
setup_row (GtkListItemFactory *factory, GtkListItem *list_item, gpointer user_data)
{
  gtk_list_item_set_child (list_item, postern_message_list_row_new ());
}

static void
bind_row (GtkListItemFactory *factory, GtkListItem *list_item, gpointer user_data)
{
  postern_message_list_row_set_item (POSTERN_MESSAGE_LIST_ROW (gtk_list_item_get_child (list_item)),
                                     gtk_list_item_get_item (list_item));
}

static void
unbind_row (GtkListItemFactory *factory, GtkListItem *list_item, gpointer user_data)
{
  postern_message_list_row_set_item (POSTERN_MESSAGE_LIST_ROW (gtk_list_item_get_child (list_item)),
                                     NULL);
}

static void
postern_message_list_init (PosternMessageList *self)
{
  g_autoptr (GtkListItemFactory) factory = gtk_signal_list_item_factory_new ();

  gtk_widget_init_template (GTK_WIDGET (self));
  g_signal_connect (factory, "setup", G_CALLBACK (setup_row), NULL);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_row), NULL);
  g_signal_connect (factory, "unbind", G_CALLBACK (unbind_row), NULL);
  gtk_list_view_set_factory (self->list_view, factory);
  update_page (self);
}

static void
waiting_loaded (PosternMessageList *self)
{
  g_autoptr (PosternMessageItem) item = g_object_ref (self->waiting);

  stop_waiting (self);
  g_signal_emit (self, signals[MESSAGE_SELECTED], 0, item);
}

static void
selection_changed (PosternMessageList *self)
{
  PosternMessageItem *item = gtk_single_selection_get_selected_item (self->selection);

  stop_waiting (self);
  if (item != NULL && !postern_message_item_get_loaded (item))
    {
      /* Its page is still being read: open it when it arrives. */
      self->waiting = g_object_ref (item);
      self->waiting_id
        = g_signal_connect_swapped (item, "notify::loaded", G_CALLBACK (waiting_loaded), self);
      return;
    }
  g_signal_emit (self, signals[MESSAGE_SELECTED], 0, item);
}

/**
 * postern_message_list_set_model:
 * @model: (nullable): a model of #PosternMessageItem
 * @empty_title: what the list says when @model is empty
 * @empty_description: (nullable): and below it
 */
void
postern_message_list_set_model (PosternMessageList *self, GListModel *model,
                                const char *empty_title, const char *empty_description)
{
  g_return_if_fail (POSTERN_IS_MESSAGE_LIST (self));

  stop_waiting (self);
  if (self->selection != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->selection, self);
      g_clear_object (&self->selection);
    }
  if (model != NULL)
    {
      self->selection = gtk_single_selection_new (g_object_ref (model));
      gtk_single_selection_set_autoselect (self->selection, FALSE);
      gtk_single_selection_set_can_unselect (self->selection, TRUE);
      gtk_single_selection_set_selected (self->selection, GTK_INVALID_LIST_POSITION);
      g_signal_connect_swapped (self->selection, "notify::selected", G_CALLBACK (selection_changed),
                                self);
      g_signal_connect_swapped (self->selection, "items-changed", G_CALLBACK (update_page), self);
    }
  gtk_list_view_set_model (self->list_view, GTK_SELECTION_MODEL (self->selection));
  adw_status_page_set_title (self->empty_page, empty_title);
  adw_status_page_set_description (self->empty_page, empty_description);
  update_page (self);
  g_signal_emit (self, signals[MESSAGE_SELECTED], 0, NULL);
}

GListModel *
postern_message_list_get_model (PosternMessageList *self)
{
  g_return_val_if_fail (POSTERN_IS_MESSAGE_LIST (self), NULL);
  return self->selection ? gtk_single_selection_get_model (self->selection) : NULL;
}

void
postern_message_list_set_loading (PosternMessageList *self, gboolean loading)
{
  g_return_if_fail (POSTERN_IS_MESSAGE_LIST (self));
  self->loading = loading;
  update_page (self);
}
