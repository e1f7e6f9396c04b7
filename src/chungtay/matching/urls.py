from django.urls import path

from chungtay.matching import views

app_name = "matching"
urlpatterns = [
    path("matching/", views.run_list, name="run-list"),
    path("matching/new/", views.run_create, name="run-create"),
    path("matching/compare/", views.run_compare, name="run-compare"),
    path("matching/<int:pk>/", views.run_detail, name="run-detail"),
    path("matching/<int:pk>/accept/", views.run_accept, name="run-accept"),
]
