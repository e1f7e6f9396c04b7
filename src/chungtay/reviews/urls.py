from django.urls import path

from chungtay.reviews import views

app_name = "reviews"
urlpatterns = [
    path("reviews/", views.cycle_list, name="cycle-list"),
    path("reviews/new/", views.cycle_create, name="cycle-create"),
    path("reviews/criteria/", views.criteria_list, name="criteria-list"),
    path("reviews/criteria/new/", views.criteria_create, name="criteria-create"),
    path("reviews/awards/new/", views.award_kind_create, name="award-kind-create"),
    path("reviews/<int:pk>/", views.cycle_detail, name="cycle-detail"),
    path("reviews/<int:pk>/advance/", views.cycle_advance, name="cycle-advance"),
    path("reviews/<int:pk>/recompute/", views.cycle_recompute, name="cycle-recompute"),
    path("reviews/<int:pk>/results.xlsx", views.cycle_export, name="cycle-export"),
    path("reviews/<int:pk>/awards/<int:kind>/", views.awards_propose, name="awards-propose"),
    path("reviews/<int:pk>/nominations/", views.nomination_add, name="nomination-add"),
    path("reviews/nominations/<int:pk>/", views.nomination_detail, name="nomination-detail"),
    path("reviews/nominations/<int:pk>/withdraw/", views.nomination_withdraw, name="nomination-withdraw"),
    path("reviews/units/<int:pk>/", views.submission_detail, name="submission-detail"),
    path("reviews/units/<int:pk>/criteria/<int:criterion>/", views.narrative_save, name="narrative-save"),
    path("reviews/units/<int:pk>/criteria/<int:criterion>/judge/", views.score_judge, name="score-judge"),
    path("reviews/units/<int:pk>/submit/", views.submission_submit, name="submission-submit"),
    path("reviews/units/<int:pk>/reviewed/", views.submission_reviewed, name="submission-reviewed"),
    path("reviews/units/<int:pk>/appeal/", views.appeal_file, name="appeal-file"),
    path("reviews/units/<int:pk>/follow-up/", views.follow_up_add, name="follow-up-add"),
    path("reviews/follow-ups/<int:pk>/done/", views.follow_up_done, name="follow-up-done"),
    path("reviews/appeals/<int:pk>/decide/", views.appeal_decide, name="appeal-decide"),
    path("reviews/awards/<int:pk>/revoke/", views.award_revoke, name="award-revoke"),
    path("reviews/scores/<int:pk>/", views.score_why, name="score-why"),
    path("reviews/scores/<int:pk>/evidence", views.score_evidence, name="score-evidence"),
]
