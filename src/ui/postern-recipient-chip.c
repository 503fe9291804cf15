/* postern-recipient-chip.c
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "postern-lock-ui.h"
#include "postern-recipient-chip.h"

struct _PosternRecipientChip
{
  GtkWidget parent_instance;
  char *address;
  PosternRecipientState state;
  PosternRoute *route;
  char *reason;
  gboolean conflict;

  GtkStack *status_stack;
  GtkSpinner *spinner;
  GtkImage *lock_image;
  GtkLabel *address_label;
  GtkButton *remove_button;
};

G_DEFINE_FINAL_TYPE (PosternRecipientChip, postern_recipient_chip, GTK_TYPE_WIDGET)

enum
{
  REMOVE,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* The chip tells a screen reader what the eye sees: the address, and how
 * mail to it travels (or that this is still being worked out). */
static void
update (PosternRecipientChip *self)
{
  g_autofree char *name = NULL;
  g_autofree char *tooltip = NULL;
  g_autofree char *remove = g_strdup_printf (_ ("Remove %s"), self->address);

  switch (self->state)
    {
      case POSTERN_RECIPIENT_RESOLVING:
        gtk_stack_set_visible_child_name (self->status_stack, "resolving");
        gtk_spinner_set_spinning (self->spinner, TRUE);
        name = g_strdup_printf (_ ("%s: finding the route"), self->address);
        tooltip = g_strdup (_ ("Finding out how mail to this address travels…"));
        break;
      case POSTERN_RECIPIENT_ROUTED:
        gtk_stack_set_visible_child_name (self->status_stack, "routed");
        gtk_spinner_set_spinning (self->spinner, FALSE);
        gtk_image_set_from_icon_name (self->lock_image,
                                      postern_lock_get_icon_name (self->route->lock));
        for (PosternLock l = POSTERN_LOCK_UNKNOWN; l <= POSTERN_LOCK_ONION; l++)
          gtk_widget_remove_css_class (GTK_WIDGET (self->lock_image),
                                       postern_lock_get_css_class (l));
        gtk_widget_add_css_class (GTK_WIDGET (self->lock_image),
                                  postern_lock_get_css_class (self->route->lock));
        name = g_strdup_printf (_ ("%s: %s lock, by %s%s"), self->address,
                                postern_lock_get_title (self->route->lock),
                                postern_transport_get_title (self->route->transport),
                                self->conflict ? _ (", conflicts with the other recipients") : "");
        tooltip
          = g_strdup_printf ("%s (%s)", postern_lock_get_sending_description (self->route->lock),
                             postern_transport_get_title (self->route->transport));
        break;
      case POSTERN_RECIPIENT_INVALID:
      default:
        gtk_stack_set_visible_child_name (self->status_stack, "invalid");
        gtk_spinner_set_spinning (self->spinner, FALSE);
        name = g_strdup_printf (_ ("%s: not a valid address"), self->address);
        tooltip = g_strdup (self->reason);
        break;
    }
  if (self->conflict)
    gtk_widget_add_css_class (GTK_WIDGET (self), "conflict");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self), "conflict");
  gtk_widget_set_tooltip_text (GTK_WIDGET (self), tooltip);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL, name,
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, tooltip, -1);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->remove_button),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, remove, -1);
}

static void
remove_action (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  g_signal_emit (widget, signals[REMOVE], 0);
}

static void
postern_recipient_chip_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), POSTERN_TYPE_RECIPIENT_CHIP);
  /* The template's unnamed root child is ours to unparent. */
  for (GtkWidget *child; (child = gtk_widget_get_first_child (GTK_WIDGET (object))) != NULL;)
    gtk_widget_unparent (child);
  G_OBJECT_CLASS (postern_recipient_chip_parent_class)->dispose (object);
}

static void
postern_recipient_chip_finalize (GObject *object)
{
  PosternRecipientChip *self = POSTERN_RECIPIENT_CHIP (object);

  g_free (self->address);
  g_free (self->reason);
  g_clear_pointer (&self->route, postern_route_free);
  G_OBJECT_CLASS (postern_recipient_chip_parent_class)->finalize (object);
}

static void
postern_recipient_chip_class_init (PosternRecipientChipClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = postern_recipient_chip_dispose;
  object_class->finalize = postern_recipient_chip_finalize;

  /**
   * PosternRecipientChip::remove:
   *
   * The user asked to take this recipient off the message.
   */
  signals[REMOVE] = g_signal_new ("remove", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                                  NULL, NULL, G_TYPE_NONE, 0);

  gtk_widget_class_set_template_from_resource (
    widget_class, "/io/github/postern/Postern/ui/postern-recipient-chip.ui");
  gtk_widget_class_bind_template_child (widget_class, PosternRecipientChip, status_stack);
  gtk_widget_class_bind_template_child (widget_class, PosternRecipientChip, spinner);
  gtk_widget_class_bind_template_child (widget_class, PosternRecipientChip, lock_image);
  gtk_widget_class_bind_template_child (widget_class, PosternRecipientChip, address_label);
  gtk_widget_class_bind_template_child (widget_class, PosternRecipientChip, remove_button);
  gtk_widget_class_install_action (widget_class, "chip.remove", NULL, remove_action);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
  gtk_widget_class_set_css_name (widget_class, "postern-recipient-chip");
}

static void
postern_recipient_chip_init (PosternRecipientChip *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
postern_recipient_chip_new (const char *address)
{
  PosternRecipientChip *self = g_object_new (POSTERN_TYPE_RECIPIENT_CHIP, NULL);

  self->address = g_strdup (address);
  gtk_label_set_label (self->address_label, address);
  update (self);
  return GTK_WIDGET (self);
}

const char *
postern_recipient_chip_get_address (PosternRecipientChip *self)
{
  g_return_val_if_fail (POSTERN_IS_RECIPIENT_CHIP (self), NULL);
  return self->address;
}

PosternRecipientState
postern_recipient_chip_get_state (PosternRecipientChip *self)
{
  g_return_val_if_fail (POSTERN_IS_RECIPIENT_CHIP (self), POSTERN_RECIPIENT_INVALID);
  return self->state;
}

/**
 * postern_recipient_chip_get_route:
 *
 * Returns: (nullable) (transfer none): the route, once routed
 */
const PosternRoute *
postern_recipient_chip_get_route (PosternRecipientChip *self)
{
  g_return_val_if_fail (POSTERN_IS_RECIPIENT_CHIP (self), NULL);
  return self->route;
}

void
postern_recipient_chip_set_route (PosternRecipientChip *self, const PosternRoute *route)
{
  g_return_if_fail (POSTERN_IS_RECIPIENT_CHIP (self));
  g_return_if_fail (route != NULL);

  g_clear_pointer (&self->route, postern_route_free);
  self->route = postern_route_copy (route);
  self->state = POSTERN_RECIPIENT_ROUTED;
  update (self);
}

void
postern_recipient_chip_set_invalid (PosternRecipientChip *self, const char *reason)
{
  g_return_if_fail (POSTERN_IS_RECIPIENT_CHIP (self));

  g_clear_pointer (&self->route, postern_route_free);
  g_free (self->reason);
  self->reason = g_strdup (reason);
  self->state = POSTERN_RECIPIENT_INVALID;
  update (self);
}

void
postern_recipient_chip_set_conflict (PosternRecipientChip *self, gboolean conflict)
{
  g_return_if_fail (POSTERN_IS_RECIPIENT_CHIP (self));

  if (self->conflict == !!conflict)
    return;
  self->conflict = !!conflict;
  update (self);
}

gboolean
postern_recipient_chip_get_conflict (PosternRecipientChip *self)
{
  g_return_val_if_fail (POSTERN_IS_RECIPIENT_CHIP (self), FALSE);
  return self->conflict;
}
