namespace StreamLrcn.Overlay;

/// <summary>The frame edge the overlay runs along (<c>--overlay-position</c>; <c>o</c> in the live window switches it).</summary>
public enum OverlayPosition
{
    /// <summary>The default: the upper part of the frame, where raised hands are, stays clear.</summary>
    Bottom,

    Top,
}
