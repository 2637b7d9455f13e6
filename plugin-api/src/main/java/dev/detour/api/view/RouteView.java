package dev.detour.api.view;

import java.util.List;

/** A read-only view of a route: its name, its strategy's type and its targets in config order. */
public interface RouteView {

    String name();

    String strategyType();

    List<TargetView> targets();
}
