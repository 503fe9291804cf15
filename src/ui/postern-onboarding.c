/* postern-onboarding.c
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <adwaita.h>

#include "postern-onboarding.h"

struct _PosternOnboarding
{
  GtkWidget parent_instance;
  GtkSpinner *spinner;
};

G_DEFINE_FINAL_TYPE (PosternOnboarding, postern_onboarding, GTK_TYPE_WIDGET)

static void
postern_onboarding_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), POSTERN_TYPE_ONBOARDING);
  /* The template's unnamed root child is ours to unparent. */
  for (GtkWidget *child; (child = gtk_widget_get_first_child (GTK_WIDGET (object))) != NULL;)
    gtk_widget_unparent (child);
  G_OBJECT_CLASS (postern_onboarding_parent_class)->dispose (object);
}

static void
postern_onboarding_class_init (PosternOnboardingClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = postern_onboarding_dispose;
  gtk_widget_class_set_template_from_resource (
    widget_class, "/io/github/postern/Postern/ui/postern-onboarding.ui");
  gtk_widget_class_bind_template_child (widget_class, PosternOnboarding, spinner);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
postern_onboarding_init (PosternOnboarding *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

/* While the demo is being made the buttons' actions are disabled by the
 * window; the spinner says why. */
void
postern_onboarding_set_busy (PosternOnboarding *self, gboolean busy)
{
  g_return_if_fail (POSTERN_IS_ONBOARDING (self));
  gtk_widget_set_visible (GTK_WIDGET (self->spinner), busy);
  gtk_spinner_set_spinning (self->spinner, busy);
}
